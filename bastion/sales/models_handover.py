"""A hand-over of a colleague's open work, run in the background (bastion.sales.handover_jobs).

The job keeps what the administrator chose (whose work, to whom, which kinds, whether the records
join the new owner's team), how many records there were when it started, and how far it has gone.
``moved`` is counted in the same transaction as each record's change, so after a crash it is still
exact; ``failures`` lists the records that could not move, with why (docs/adr/0068).

Only administrators (who manage staff) read or start these: bastion.sales.handover_jobs checks that.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.kernel.crypto.classification import classify
from bastion.kernel.ids import new_id


class HandOverStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Handing over")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Stopped")


ACTIVE_HAND_OVERS = (HandOverStatus.QUEUED, HandOverStatus.RUNNING)


class HandOverJob(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    kinds = models.JSONField(_("what to hand over"), default=list)
    to_their_team = models.BooleanField(_("to the new owner's team"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=HandOverStatus.choices, default=HandOverStatus.QUEUED)
    total = models.PositiveIntegerField(_("records"), default=0)
    moved = models.PositiveIntegerField(_("handed over"), default=0)
    failures = models.JSONField(_("could not be handed over"), default=list)
    error = models.CharField(_("error"), max_length=500, blank=True, default="")
    language = models.CharField(_("language"), max_length=16, blank=True, default="", editable=False)  # kernel.language
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects: models.Manager[HandOverJob] = models.Manager()
    data_classification = classify(
        internal=[
            "id", "started_by", "member", "recipient", "kinds", "to_their_team", "status", "total", "moved",
            "created_at", "started_at", "finished_at", "heartbeat_at", "error", "language",
        ],
        confidential=["failures"],  # record ids with the reason each stayed (a reason may quote a value)
    )  # fmt: skip

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        indexes = [
            models.Index(fields=["member", "created_at"], name="handover_member_created"),
            models.Index(fields=["status", "heartbeat_at"], name="handover_status"),
        ]
        constraints = [  # one hand-over of a colleague's work at a time, even when two start at once
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(status__in=["queued", "running"]), name="handover_one_active_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"hand-over {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_HAND_OVERS

    @property
    def failed_count(self) -> int:
        return len(self.failures)

    @property
    def done_count(self) -> int:
        """The records dealt with: moved, or tried and left as they were."""
        return self.moved + self.failed_count

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done_count * 100 // self.total)

"""Activities: tasks, calls, meetings and notes, on a contact, company, lead or deal (sales.models imports these)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.directory.models import Company, Contact
from bastion.kernel.access import ScopedManager
from bastion.kernel.access.records import Owned
from bastion.kernel.crypto.classification import classify
from bastion.kernel.ids import new_id


class ActivityKind(models.TextChoices):
    TASK = "task", _("Task")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")


class Activity(models.Model):
    """Something done or to do with a customer: a task (due, with a reminder, assigned to someone),
    a call, a meeting (start and end) or a note, on a contact, company, lead and/or deal.

    ``at`` is when it sits on a timeline: a task's due time (or when it was written, if it has
    none), a call's or meeting's start, a note's writing time. Deleting the record it is about
    deletes it too.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    details = models.TextField(_("details"), blank=True, default="")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("assignee")
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("team")
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("reminder"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True, editable=False)
    at = models.DateTimeField(editable=False)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    lead = models.ForeignKey(
        "sales.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("lead")
    )
    deal = models.ForeignKey(
        "sales.Deal", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("deal")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ScopedManager["Activity"]()
    # Owned by the assignee and the team (ADR 0027): a timeline shows the activities its reader may
    # see, so a colleague's private call notes on a shared contact stay theirs.
    record_access = Owned(owner="assignee", team="team")
    data_classification = classify(
        internal=[
            "id", "kind", "assignee", "team", "due_at", "remind_at", "reminded_at", "starts_at", "ends_at", "done_at", "at",
            "contact", "company", "lead", "deal", "created_at", "updated_at", "created_by", "updated_by",
        ],
        confidential=["subject", "details"],
    )  # fmt: skip

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_at"], name="sales_activity_my_tasks"),
            models.Index(fields=["assignee", "starts_at"], name="sales_activity_my_meetings"),
            models.Index(fields=["contact", "at"], name="sales_activity_contact"),
            models.Index(fields=["company", "at"], name="sales_activity_company"),
            models.Index(fields=["lead", "at"], name="sales_activity_lead"),
            models.Index(fields=["deal", "at"], name="sales_activity_deal"),
            models.Index(fields=["at", "id"], name="sales_activity_list"),
            models.Index(fields=["updated_at", "id"], name="sales_activity_updated"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

"""Security alerts raised by the detection rules, and how far the detector has read the audit trail.

An alert is derived from the audit trail (its evidence is the range of events it names), so it
holds no copy of customer data: the rule, who or which address it is about, how many events, the
first and last event, and whether a security officer has closed it, when, and why.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.kernel.crypto.classification import classify
from bastion.kernel.ids import new_id


class Severity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")


class SubjectType(models.TextChoices):
    """What an alert is about: a member of staff (by id), a network address, a sign-in name or a stored record."""

    STAFF = "staff", _("Member of staff")
    ADDRESS = "address", _("Network address")
    ACCOUNT = "account", _("Sign-in name")
    RECORD = "record", _("Stored record")


class SecurityAlert(models.Model):
    """One episode of anomalous activity: events of one rule and one subject, close enough in time.

    While an episode goes on (a new matching event within the rule's window of the last one) and
    the alert is open, the detector extends it; otherwise it raises a new one. ``events`` is what
    the rule counts: events, or exported rows for the export rule.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    rule = models.CharField(max_length=64)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    subject_type = models.CharField(max_length=16, choices=SubjectType.choices)
    subject_id = models.CharField(max_length=160)
    subject_label = models.CharField(max_length=160, blank=True)
    events = models.PositiveIntegerField()
    first_sequence = models.BigIntegerField()
    last_sequence = models.BigIntegerField()
    first_event_at = models.DateTimeField()
    last_event_at = models.DateTimeField()
    raised_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_id = models.BigIntegerField(null=True, blank=True)
    closed_by_name = models.CharField(max_length=150, blank=True)
    closing_note = models.TextField(blank=True)

    # Who or which address an alert is about is personal data of staff (confidential), as in the log.
    data_classification = classify(
        internal=["id", "rule", "severity", "subject_type", "events", "first_sequence", "last_sequence", "first_event_at",
                  "last_event_at", "raised_at", "notified_at", "closed_at", "closed_by_id"],
        confidential=["subject_id", "subject_label", "closed_by_name", "closing_note"],
    )  # fmt: skip

    class Meta:
        indexes = [
            models.Index(fields=["rule", "subject_type", "subject_id", "-last_event_at"], name="alert_episode_idx"),
            models.Index(fields=["closed_at", "raised_at"], name="alert_open_idx"),
        ]

    def __str__(self) -> str:
        return f"security alert {self.rule} ({self.raised_at:%Y-%m-%d %H:%M})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class AlertScan(models.Model):
    """The single row (id 1): the last audit sequence the detector has read.

    It moves in the same transaction as the alerts raised from the events it passes, so a
    detector that dies mid-run reads the same events again and raises nothing twice.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    scanned_at = models.DateTimeField(null=True, blank=True)

    data_classification = classify(internal=["id", "sequence", "scanned_at"])

    def __str__(self) -> str:
        return f"alert detector at event {self.sequence}"


class SignInNotice(models.Model):
    """A sign-in from a network the member of staff had not signed in from in the last 90 days.

    Made by the detector from the ``sign_in.succeeded`` event (one notice per event, ``sequence``);
    the member of staff is emailed about it, so that a stolen password and second factor used
    from elsewhere do not go unnoticed by the one person who knows where they were.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user_id = models.BigIntegerField()
    sequence = models.BigIntegerField(unique=True)
    address = models.CharField(max_length=45)
    user_agent = models.CharField(max_length=256, blank=True)
    signed_in_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    data_classification = classify(
        internal=["id", "user_id", "sequence", "signed_in_at", "notified_at"], confidential=["address", "user_agent"]
    )

    class Meta:
        indexes = [models.Index(fields=["notified_at", "signed_in_at"], name="sign_in_notice_pending_idx")]

    def __str__(self) -> str:
        return f"sign-in notice for user {self.user_id} ({self.signed_in_at:%Y-%m-%d %H:%M})"

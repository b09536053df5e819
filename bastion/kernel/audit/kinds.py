"""The audit event kinds: a stable, typed list with numeric ranges (never renumber, only add).

- 1xx sign-in, sessions, passwords and second factors
- 2xx API tokens
- 3xx customer records: create, update, delete, view, reveal, export
- 4xx denied access
- 5xx staff, roles and settings
- 6xx keys, the audit trail itself, the security alerts read from it and the configuration audit

Each kind also has a dotted ``code`` (``sign_in.failed``) used in exports and by SIEM rules.
"""

from __future__ import annotations

from enum import unique

from django.db import models
from django.utils.translation import gettext_lazy as _


@unique
class EventKind(models.IntegerChoices):
    SIGN_IN_SUCCEEDED = 100, _("Sign-in succeeded")
    SIGN_IN_FAILED = 101, _("Sign-in failed")
    SIGNED_OUT = 102, _("Signed out")
    MFA_ENROLLED = 110, _("Second factor added")
    MFA_USED = 111, _("Second factor used")
    MFA_FAILED = 112, _("Second factor rejected")
    MFA_REMOVED = 113, _("Second factor removed")
    MFA_RECOVERY_CODES_RESET = 114, _("Recovery codes regenerated")
    PASSWORD_CHANGED = 120, _("Password changed")
    SESSION_ENDED_BY_USER = 130, _("Session ended by its user")
    SESSION_ENDED_BY_ADMIN = 131, _("Sessions ended by an administrator")
    TOKEN_CREATED = 200, _("API token created")
    TOKEN_USED = 201, _("API token used")
    TOKEN_REVOKED = 202, _("API token revoked")
    RECORD_CREATED = 300, _("Record created")
    RECORD_UPDATED = 301, _("Record updated")
    RECORD_DELETED = 302, _("Record deleted")
    RECORD_ERASED = 303, _("Personal data erased (crypto-shredded)")
    RECORD_VIEWED = 310, _("Record viewed")
    FIELD_REVEALED = 311, _("Restricted field revealed")
    EXPORTED = 320, _("Data exported")
    DATA_IMPORTED = 321, _("Data imported")
    RECORD_SHARED = 330, _("Record shared")
    RECORD_UNSHARED = 331, _("Record share removed")
    CARD_NUMBER_FOUND = 340, _("Card number found in stored data")
    CARD_NUMBERS_SCANNED = 341, _("Stored data scanned for card numbers")
    ACCESS_DENIED = 400, _("Access denied")
    USER_CREATED = 500, _("Member of staff created")
    USER_DISABLED = 501, _("Member of staff disabled")
    ROLE_CHANGED = 502, _("Role changed")
    TEAMS_CHANGED = 503, _("Teams changed")
    SETTING_CHANGED = 510, _("Setting changed")
    ACCESS_REVIEW_SIGNED = 520, _("Access review signed off")
    KEY_CREATED = 600, _("Key created")
    KEY_ROTATED = 601, _("Key rotated")
    KEY_DESTROYED = 602, _("Key destroyed")
    AUDIT_LOG_VIEWED = 610, _("Audit trail viewed")
    AUDIT_LOG_ARCHIVED = 611, _("Audit events archived")
    SECURITY_ALERT_RAISED = 620, _("Security alert raised")
    SECURITY_ALERT_CLOSED = 621, _("Security alert closed")
    CONFIGURATION_AUDITED = 630, _("Configuration audited")

    @property
    def code(self) -> str:
        """The dotted, stable name of the kind, e.g. ``sign_in.failed``."""
        return CODES[self]


CODES: dict[int, str] = {
    EventKind.SIGN_IN_SUCCEEDED: "sign_in.succeeded",
    EventKind.SIGN_IN_FAILED: "sign_in.failed",
    EventKind.SIGNED_OUT: "sign_in.signed_out",
    EventKind.MFA_ENROLLED: "mfa.enrolled",
    EventKind.MFA_USED: "mfa.used",
    EventKind.MFA_FAILED: "mfa.failed",
    EventKind.MFA_REMOVED: "mfa.removed",
    EventKind.MFA_RECOVERY_CODES_RESET: "mfa.recovery_codes_reset",
    EventKind.PASSWORD_CHANGED: "password.changed",
    EventKind.SESSION_ENDED_BY_USER: "session.ended_by_user",
    EventKind.SESSION_ENDED_BY_ADMIN: "session.ended_by_admin",
    EventKind.TOKEN_CREATED: "token.created",
    EventKind.TOKEN_USED: "token.used",
    EventKind.TOKEN_REVOKED: "token.revoked",
    EventKind.RECORD_CREATED: "record.created",
    EventKind.RECORD_UPDATED: "record.updated",
    EventKind.RECORD_DELETED: "record.deleted",
    EventKind.RECORD_ERASED: "record.erased",
    EventKind.RECORD_VIEWED: "record.viewed",
    EventKind.FIELD_REVEALED: "record.field_revealed",
    EventKind.EXPORTED: "data.exported",
    EventKind.DATA_IMPORTED: "data.imported",
    EventKind.RECORD_SHARED: "record.shared",
    EventKind.RECORD_UNSHARED: "record.unshared",
    EventKind.CARD_NUMBER_FOUND: "data.card_number_found",
    EventKind.CARD_NUMBERS_SCANNED: "data.card_numbers_scanned",
    EventKind.ACCESS_DENIED: "access.denied",
    EventKind.USER_CREATED: "staff.created",
    EventKind.USER_DISABLED: "staff.disabled",
    EventKind.ROLE_CHANGED: "staff.role_changed",
    EventKind.TEAMS_CHANGED: "staff.teams_changed",
    EventKind.SETTING_CHANGED: "setting.changed",
    EventKind.ACCESS_REVIEW_SIGNED: "access_review.signed_off",
    EventKind.KEY_CREATED: "key.created",
    EventKind.KEY_ROTATED: "key.rotated",
    EventKind.KEY_DESTROYED: "key.destroyed",
    EventKind.AUDIT_LOG_VIEWED: "audit.viewed",
    EventKind.AUDIT_LOG_ARCHIVED: "audit.archived",
    EventKind.SECURITY_ALERT_RAISED: "security.alert_raised",
    EventKind.SECURITY_ALERT_CLOSED: "security.alert_closed",
    EventKind.CONFIGURATION_AUDITED: "security.configuration_audited",
}
BY_CODE: dict[str, EventKind] = {code: EventKind(value) for value, code in CODES.items()}


def code_of(kind: int) -> str:
    """The dotted code of ``kind``, or ``kind.<number>`` for a number this version does not know."""
    return CODES.get(kind, f"kind.{kind}")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    DENIED = "denied", _("Denied")

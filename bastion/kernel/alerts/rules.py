"""The detection rules, in one place: which audit events each counts, per whom, how many, how fast.

A rule raises an alert when, for one subject, the events it counts within ``window`` reach
``threshold``. The figures sit above what honest work does (a rep deleting a few records, a
manager exporting a list) and at or below what the rate limits and the lockout allow, so an alert
is raised while the limits are still holding, not after they gave way (docs/adr/0070).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bastion.kernel.access.roles import Role
from bastion.kernel.alerts.models import Severity, SubjectType
from bastion.kernel.audit.kinds import EventKind

# Roles whose grant is itself worth a look: they see the audit trail or change who may do what.
POWERFUL_ROLES = frozenset({Role.ADMINISTRATOR.value, Role.SECURITY_OFFICER.value})


@dataclass(frozen=True)
class Subject:
    """Who or what an alert is about; ``key`` identifies it, ``label`` is what the officer reads."""

    type: str
    key: str
    label: str = field(default="", compare=False)  # a user name may change; the subject is the same


def _always(event: Any) -> bool:
    return True


def _one(event: Any) -> int:
    return 1


def _exported_rows(event: Any) -> int:
    """Rows an export let out (the count its event records; 1 when it records none, e.g. the audit CSV)."""
    count = (event.extra or {}).get("count")
    return count if isinstance(count, int) and count > 0 else 1


def _chosen_deletion(event: Any) -> bool:
    """A record the actor deleted, not one that went with it (those carry ``because``)."""
    return "because" not in (event.extra or {})


def _reason(event: Any) -> str:
    return str((event.extra or {}).get("reason", ""))


def _rate_limited(event: Any) -> bool:
    return _reason(event).startswith("rate_limited:")


def _probing(event: Any) -> bool:
    """A refusal that is not a rate limit or the sign-in lockout (those have their own rules)."""
    return not _rate_limited(event) and _reason(event) != "sign_in_locked"


def _configuration_failed(event: Any) -> bool:
    return bool((event.extra or {}).get("failed"))


def _powerful_role_granted(event: Any) -> bool:
    role = (event.changes or {}).get("role")
    return isinstance(role, dict) and role.get("new") in POWERFUL_ROLES


@dataclass(frozen=True)
class Rule:
    """One detection rule. ``subject`` is "staff", "address", "account" (the event's target: a sign-in
    name), "record" (the event's target: a stored record) or "staff_or_address" (the actor when signed
    in, else the address)."""

    code: str
    kind: EventKind
    subject: str
    threshold: int
    window: dt.timedelta
    severity: str
    title: Promise
    explanation: Promise  # %(threshold)s and %(minutes)s
    keep: Callable[[Any], bool] = field(default=_always)
    weight: Callable[[Any], int] = field(default=_one)

    @property
    def minutes(self) -> int:
        return int(self.window.total_seconds() // 60)

    def describe(self) -> str:
        return str(self.explanation) % {"threshold": number_format(self.threshold, force_grouping=True), "minutes": self.minutes}

    def subject_of(self, event: Any) -> Subject | None:
        """The subject ``event`` counts for under this rule, or None (an event with no such subject)."""
        subject = self.subject
        if subject == "staff_or_address":
            subject = "staff" if event.actor_id is not None else "address"
        if subject == "staff":
            if event.actor_id is None:
                return None
            return Subject(SubjectType.STAFF, str(event.actor_id), str((event.actor_snapshot or {}).get("username", "")))
        if subject == "address":
            return Subject(SubjectType.ADDRESS, event.client_ip, event.client_ip) if event.client_ip else None
        if not event.target_type:
            return None
        if subject == "record":
            return Subject(SubjectType.RECORD, f"{event.target_type}:{event.target_id}", f"{event.target_type} {event.target_id}")
        return Subject(SubjectType.ACCOUNT, f"{event.target_type}:{event.target_id}", "")

    def any_subject(self, subjects: Iterable[Subject]) -> Q:
        """A condition on audit events that holds for every event of ``subjects`` (and may hold for a few
        others: the caller keeps those whose ``subject_of`` is among them). Three IN lists at most."""
        by_type: dict[str, list[str]] = defaultdict(list)
        for subject in subjects:
            by_type[subject.type].append(subject.key)
        condition = Q(pk__in=[])
        if by_type[SubjectType.STAFF]:
            condition |= Q(actor_id__in=[int(key) for key in by_type[SubjectType.STAFF]])
        if by_type[SubjectType.ADDRESS]:
            anonymous = Q(actor_id__isnull=True) if self.subject == "staff_or_address" else Q()
            condition |= Q(client_ip__in=by_type[SubjectType.ADDRESS]) & anonymous
        targets = by_type[SubjectType.ACCOUNT] + by_type[SubjectType.RECORD]
        if targets:
            condition |= Q(target_id__in=[key.partition(":")[2] for key in targets])
        return condition


MINUTE = dt.timedelta(minutes=1)
RULES: tuple[Rule, ...] = (
    Rule(
        "sign_in_guessing_address", EventKind.SIGN_IN_FAILED, "address", 10, 15 * MINUTE, Severity.HIGH,
        _("Password guessing from one address"),
        _("At least %(threshold)s failed sign-ins from one network address within %(minutes)s minutes, "
          "whichever names were typed: someone may be trying passwords (credential stuffing)."),
    ),
    Rule(
        "sign_in_guessing_account", EventKind.SIGN_IN_FAILED, "account", 10, 15 * MINUTE, Severity.HIGH,
        _("Password guessing against one sign-in name"),
        _("At least %(threshold)s failed sign-ins for one sign-in name within %(minutes)s minutes, "
          "from any address: someone may be trying to guess this account's password."),
    ),
    Rule(
        "second_factor_guessing", EventKind.MFA_FAILED, "staff", 5, 15 * MINUTE, Severity.HIGH,
        _("Second factor refused repeatedly"),
        _("At least %(threshold)s refused second-factor codes for one member of staff within %(minutes)s minutes. "
          "The password was right each time: it may be known to someone else."),
    ),
    Rule(
        "mass_deletion", EventKind.RECORD_DELETED, "staff", 100, 10 * MINUTE, Severity.HIGH,
        _("Many records deleted"),
        _("One member of staff deleted at least %(threshold)s records within %(minutes)s minutes "
          "(records deleted along with them are not counted)."),
        keep=_chosen_deletion,
    ),
    Rule(
        "mass_export", EventKind.EXPORTED, "staff", 10_000, 60 * MINUTE, Severity.MEDIUM,
        _("Much data exported"),
        _("One member of staff exported at least %(threshold)s rows within %(minutes)s minutes."),
        weight=_exported_rows,
    ),
    Rule(
        "rate_limits_reached", EventKind.ACCESS_DENIED, "staff_or_address", 5, 60 * MINUTE, Severity.MEDIUM,
        _("Rate limits reached repeatedly"),
        _("At least %(threshold)s searches, reveals or exports refused by the rate limits within %(minutes)s minutes "
          "for one member of staff or address: someone may be harvesting data."),
        keep=_rate_limited,
    ),
    Rule(
        "access_probing", EventKind.ACCESS_DENIED, "staff_or_address", 20, 10 * MINUTE, Severity.MEDIUM,
        _("Many refused requests"),
        _("At least %(threshold)s requests refused within %(minutes)s minutes for one member of staff or address: "
          "someone may be guessing record ids or pages they may not open."),
        keep=_probing,
    ),
    Rule(
        "powerful_role_granted", EventKind.ROLE_CHANGED, "account", 1, 60 * MINUTE, Severity.MEDIUM,
        _("Administrator or security officer role given"),
        _("A member of staff was made administrator or security officer. Check that the change was intended."),
        keep=_powerful_role_granted,
    ),
    Rule(
        "card_number_stored", EventKind.CARD_NUMBER_FOUND, "record", 1, 60 * MINUTE, Severity.HIGH,
        _("Payment card number stored"),
        _("The scan for card numbers found one in a stored record. Bastion refuses card numbers when they are typed, "
          "imported or sent; this one came in before that check or around it. Edit the record to remove it: "
          "the event names the field and the last four digits."),
    ),
    Rule(
        "configuration_weakened", EventKind.CONFIGURATION_AUDITED, "record", 1, 24 * 60 * MINUTE, Severity.HIGH,
        _("Configuration audit failed"),
        _("The configuration audit found a control that is off or broken. The event names the failed checks; "
          "the configuration page says what each saw and what to do."),
        keep=_configuration_failed,
    ),
)  # fmt: skip
BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
KINDS: frozenset[int] = frozenset(int(rule.kind) for rule in RULES)


def rule_named(code: str) -> Rule | None:
    return BY_CODE.get(code)

"""Running the configuration audit (S7, ADR 0072): every check, its outcome, and the evidence kept.

``results()`` runs the checks and returns what they found (the page shows it live). ``audit()`` also
records one ``security.configuration_audited`` event with the codes that warned or failed, which
is what an auditor reads as the history of audits; a failed check makes the intrusion detector
raise a security alert (rule ``configuration_weakened``). The worker audits daily; ``bastion
configaudit`` does it on demand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from django.db import transaction
from django.utils.translation import gettext as _

from bastion.kernel.app_modules import app_modules
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event
from bastion.kernel.configaudit.checks import CHECKS, FAIL, PASS, WARN, Check, Outcome

logger = logging.getLogger(__name__)
TARGET = Target("kernel.configuration", "installation", {})


@dataclass(frozen=True)
class Result:
    check: Check
    outcome: Outcome

    @property
    def status(self) -> str:
        return self.outcome.status


@cache
def all_checks() -> tuple[Check, ...]:
    """The kernel's checks, then those of each Bastion app that has a ``config_audit`` module."""
    found = list(CHECKS)
    for module in app_modules("config_audit"):
        found.extend(module.CHECKS)
    return tuple(found)


def _outcome(check: Check) -> Outcome:
    try:
        return check.run()
    except Exception as exc:  # a check that cannot look is itself a finding, not a crash of the audit
        logger.exception("configuration check %s could not run", check.code)
        return Outcome(FAIL, _("The check could not run (%(error)s).") % {"error": type(exc).__name__})


def results() -> list[Result]:
    return [Result(check, _outcome(check)) for check in all_checks()]


def audit() -> list[Result]:
    """Run every check and record the run as one ``security.configuration_audited`` event."""
    found = results()
    extra = {
        "passed": sum(result.status == PASS for result in found),
        "warned": [result.check.code for result in found if result.status == WARN],
        "failed": [result.check.code for result in found if result.status == FAIL],
    }
    with transaction.atomic():
        record_event(EventKind.CONFIGURATION_AUDITED, target=TARGET, extra=extra)
    return found

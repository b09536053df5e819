"""The configuration audit's checks (S7): what is true of this installation now, with the evidence.

Production mode already refuses to start with a missing or weak secret, DEBUG on, insecure cookies
or short HSTS (settings.py). These checks look at what a running installation can still get wrong
or let slip, in the application, its database, the audit trail and the host, and each says what it
saw and what to do. "fail" is a control that is off or broken; "warn" is one an operator should
look at. ADR 0072.

Other apps add their own checks in ``<app>/config_audit.py`` (a ``CHECKS`` list), read by ``run.py``;
the kernel's know nothing of CRM objects.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PASS, WARN, FAIL = "pass", "warn", "fail"
ROOT_KEY_MAX_DAYS = 365
DETECTOR_MAX_MINUTES = 10
MIN_FREE_SPACE = 0.10  # of the data folder's disk


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str


@dataclass(frozen=True)
class Check:
    """One check: a stable ``code`` (used in audit events and alerts), where it looks, what it asks, and the test."""

    code: str
    area: Promise
    title: Promise
    run: Callable[[], Outcome]


APPLICATION, DATABASE, AUDIT, HOST = (
    gettext_lazy("Application"),
    gettext_lazy("Database"),
    gettext_lazy("Audit trail"),
    gettext_lazy("Host"),
)


def production_mode() -> Outcome:
    if getattr(settings, "PRODUCTION", False):
        return Outcome(PASS, _("Production mode: HTTPS-only cookies, HSTS and the start-up refusals are on."))
    return Outcome(
        WARN,
        _("Not in production mode (BASTION_ENV=%(env)s): cookies are not HTTPS-only and HSTS is off. Set BASTION_ENV=production.")
        % {"env": os.environ.get("BASTION_ENV", "development")},
    )


def deployment_checks() -> Outcome:
    """Django's and Bastion's own deployment checks (``bastion check --deploy``), errors and warnings."""
    from django.core import checks

    found = [message for message in checks.run_checks(include_deployment_checks=True) if message.is_serious(checks.WARNING)]
    found = [message for message in found if message.id not in set(settings.SILENCED_SYSTEM_CHECKS)]
    if not found:
        return Outcome(PASS, _("No deployment check reports a problem."))
    codes = ", ".join(sorted({str(message.id) for message in found}))
    status = FAIL if any(message.is_serious(checks.ERROR) for message in found) else WARN
    return Outcome(
        status, _("Deployment checks report: %(codes)s. Run “bastion check --deploy” for the details.") % {"codes": codes}
    )


def siem_shipping() -> Outcome:
    if settings.AUDIT_SYSLOG_URL:
        return Outcome(PASS, _("Audit events are shipped to a SIEM by syslog."))
    return Outcome(WARN, _("Audit events are not shipped anywhere: set BASTION_AUDIT_SYSLOG_URL to copy them to a SIEM."))


def append_only_triggers() -> Outcome:
    from bastion.kernel.audit.triggers import PROTECTED_TABLES

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND c.relname = ANY(%s)",
                [list(PROTECTED_TABLES)],
            )
        else:
            cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        protected = {row[0] for row in cursor.fetchall()}
    missing = [table for table in PROTECTED_TABLES if table not in protected]
    if missing:
        return Outcome(FAIL, _("Audit tables without their append-only trigger: %(tables)s.") % {"tables": ", ".join(missing)})
    return Outcome(PASS, _("Every audit table refuses UPDATE and DELETE (%(count)d tables).") % {"count": len(PROTECTED_TABLES)})


def confined_role() -> Outcome:
    if connection.vendor != "postgresql":
        return Outcome(PASS, _("SQLite has no database roles: the triggers and the signed checkpoints protect the trail."))
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = bool(cursor.fetchone()[0])
        cursor.execute("SELECT has_table_privilege(current_user, 'kernel_auditevent', 'UPDATE')")
        may_update = bool(cursor.fetchone()[0])
    if superuser:
        return Outcome(
            WARN,
            _(
                "The application connects as a database superuser, whom no privilege binds. "
                "Connect as a role made for it and run “bastion auditlog harden”."
            ),
        )
    if may_update:
        return Outcome(
            WARN, _("The application's database role may update audit rows: run “bastion auditlog harden” as the owner.")
        )
    return Outcome(PASS, _("The application's database role cannot update, delete or truncate audit rows."))


def database_transport() -> Outcome:
    if connection.vendor != "postgresql":
        return Outcome(PASS, _("SQLite is a file on this host: nothing crosses a network."))
    host = str(connection.settings_dict.get("HOST") or "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        row = cursor.fetchone()
    if row and row[0]:
        return Outcome(PASS, _("The connection to the database is encrypted (TLS)."))
    if host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/"):
        return Outcome(
            PASS, _("The database is on this host (%(host)s): its traffic does not leave it.") % {"host": host or "socket"}
        )
    return Outcome(
        WARN,
        _("The connection to the database at %(host)s is not encrypted: add sslmode=verify-full to DATABASE_URL.")
        % {"host": host},
    )


def signed_checkpoint() -> Outcome:
    from bastion.kernel.audit.checkpoints import checkpoint_is_valid, latest_checkpoint
    from bastion.kernel.audit.models import AuditEvent

    latest = latest_checkpoint()
    newest = AuditEvent.plain.order_by("-sequence").values_list("sequence", "timestamp").first()
    limit = dt.timedelta(minutes=2 * settings.AUDIT_CHECKPOINT_MINUTES + 5)
    if latest is None:
        first = AuditEvent.plain.order_by("sequence").values_list("timestamp", flat=True).first()
        if first is None or timezone.now() - first <= limit:  # a new installation: the worker signs within minutes
            return Outcome(
                PASS,
                _("No checkpoint yet: the worker signs the first within %(minutes)d minutes of the first event.")
                % {"minutes": int(limit.total_seconds() // 60)},
            )
        return Outcome(WARN, _("No signed checkpoint yet: run “bastion auditlog checkpoint”, and check that the worker runs."))
    if not checkpoint_is_valid(latest):
        return Outcome(FAIL, _("The latest checkpoint's signature does not verify: run “bastion auditlog verify” now."))
    if newest is not None and newest[0] > latest.tree_size and timezone.now() - latest.created_at > limit:
        return Outcome(
            WARN,
            _(
                "The latest signed checkpoint is older than %(minutes)d minutes although events were added: "
                "check that the worker runs."
            )
            % {"minutes": int(limit.total_seconds() // 60)},
        )
    return Outcome(PASS, _("The latest checkpoint (%(size)d events) is signed and verifies.") % {"size": latest.tree_size})


def sealer_keeping_up() -> Outcome:
    from bastion.kernel.audit.models import AuditInbox

    oldest = AuditInbox.objects.order_by("id").values_list("recorded_at", flat=True).first()
    limit = dt.timedelta(seconds=settings.AUDIT_MAX_UNSEALED_SECONDS)
    if oldest is not None and timezone.now() - oldest > limit:
        return Outcome(
            WARN,
            _("Audit events wait unsealed for more than %(seconds)d seconds: check the sealer and the worker.")
            % {"seconds": settings.AUDIT_MAX_UNSEALED_SECONDS},
        )
    return Outcome(PASS, _("Audit events are sealed into the hash chain as they come."))


def detector_running() -> Outcome:
    """Whether the intrusion detector keeps up: no audit event waits more than a few minutes to be judged."""
    from bastion.kernel.alerts.models import AlertScan
    from bastion.kernel.audit.models import AuditEvent  # ``objects`` seals what waits in the inbox first, as the detector does

    judged = AlertScan.objects.filter(pk=1).values_list("sequence", flat=True).first() or 0
    waiting = AuditEvent.objects.filter(sequence__gt=judged).order_by("sequence").values_list("timestamp", flat=True).first()
    if waiting is not None and timezone.now() - waiting > dt.timedelta(minutes=DETECTOR_MAX_MINUTES):
        minutes = int((timezone.now() - waiting).total_seconds() // 60)
        return Outcome(
            WARN,
            _(
                "Audit events have waited %(minutes)d minutes for the intrusion detector, which runs every minute: "
                "check the worker."
            )
            % {"minutes": minutes},
        )
    return Outcome(
        PASS,
        _("The intrusion detector has judged every audit event older than %(minutes)d minutes.")
        % {"minutes": DETECTOR_MAX_MINUTES},
    )


def _loose(path: Path, allowed: int) -> bool:
    return path.exists() and bool(stat.S_IMODE(path.stat().st_mode) & ~allowed)


def file_permissions() -> Outcome:
    data = Path(settings.DATA_DIR)
    secrets = [data / "secret_key", Path(settings.BASTION_KEY_FILE), Path(settings.AUDIT_SIGNING_KEY_PATH)]
    loose = [str(data)] if _loose(data, 0o700) else []
    loose += [str(path) for path in secrets if _loose(path, 0o600)]
    if loose:
        return Outcome(
            FAIL,
            _("Readable by other users of this host: %(paths)s. Run chmod 700 on the folder and 600 on the files.")
            % {"paths": ", ".join(loose)},
        )
    return Outcome(PASS, _("The data folder is private to Bastion's user (0700) and its secret files are 0600."))


def root_key_age() -> Outcome:
    from bastion.kernel.crypto.provider import get_provider

    provider = get_provider()
    current = next((info for info in provider.versions() if info.version == provider.current_version()), None)
    if current is None or current.created_at is None:
        return Outcome(WARN, _("The current root key's age is unknown: rotate it (“bastion keys rotate”) to start counting."))
    age = (timezone.now() - current.created_at).days
    if age > ROOT_KEY_MAX_DAYS:
        return Outcome(
            WARN,
            _("The current root key is %(days)d days old (more than %(max)d): rotate it with “bastion keys rotate”.")
            % {"days": age, "max": ROOT_KEY_MAX_DAYS},
        )
    return Outcome(PASS, _("The current root key is %(days)d days old.") % {"days": age})


def free_space() -> Outcome:
    usage = shutil.disk_usage(settings.DATA_DIR)
    share = usage.free / usage.total if usage.total else 0
    if share < MIN_FREE_SPACE:
        return Outcome(
            WARN,
            _("Only %(percent)d%% of the data folder's disk is free: the database, the audit trail and the backups need room.")
            % {"percent": int(share * 100)},
        )
    return Outcome(PASS, _("%(percent)d%% of the data folder's disk is free.") % {"percent": int(share * 100)})


CHECKS: list[Check] = [
    Check("production_mode", APPLICATION, gettext_lazy("Production mode"), production_mode),
    Check("deployment_checks", APPLICATION, gettext_lazy("Deployment checks"), deployment_checks),
    Check("append_only_triggers", DATABASE, gettext_lazy("Audit rows append-only"), append_only_triggers),
    Check("confined_database_role", DATABASE, gettext_lazy("Confined database role"), confined_role),
    Check("database_transport", DATABASE, gettext_lazy("Encrypted database connection"), database_transport),
    Check("sealer_keeping_up", AUDIT, gettext_lazy("Events sealed"), sealer_keeping_up),  # before anything reads and seals
    Check("signed_checkpoint", AUDIT, gettext_lazy("Signed checkpoint"), signed_checkpoint),
    Check("siem_shipping", AUDIT, gettext_lazy("Copy to a SIEM"), siem_shipping),
    Check("intrusion_detector", AUDIT, gettext_lazy("Intrusion detector running"), detector_running),
    Check("file_permissions", HOST, gettext_lazy("Data folder and secret files private"), file_permissions),
    Check("root_key_age", HOST, gettext_lazy("Root key age"), root_key_age),
    Check("free_space", HOST, gettext_lazy("Free disk space"), free_space),
]

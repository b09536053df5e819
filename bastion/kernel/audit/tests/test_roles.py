"""PostgreSQL: an application role confined by ``bastion auditlog harden`` (docs/adr/0025).

A real role is created for the test, a scratch database is migrated by the owner, ``harden``
confines the role, and then the application runs as that role: it records, seals, checkpoints,
archives and verifies, while UPDATE, DELETE and TRUNCATE on audit rows are refused to it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings

from bastion.kernel.audit.tests.concurrency import Scratch, _pg_admin, log_stats, run_appenders, scratch_database

POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
pytestmark = pytest.mark.skipif(not POSTGRES, reason="database roles and privileges exist only on PostgreSQL")

TABLES = ("kernel_auditevent", "kernel_auditinbox", "kernel_auditcheckpoint", "kernel_auditarchive", "kernel_auditshipment")
OLD_EVENTS = (
    "import datetime as dt\n"
    "from django.db import transaction\n"
    "from bastion.kernel.audit.kinds import EventKind\n"
    "from bastion.kernel.audit.writer import Target, record_event\n"
    "with transaction.atomic():\n"
    "    for n in range(5):\n"
    "        record_event(EventKind.RECORD_UPDATED, target=Target('directory.company', str(n)),\n"
    "                     now=dt.datetime.now(dt.UTC) - dt.timedelta(days=500))\n"
)


def _as_role(url: str, role: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port or 5432}"))


def _refused(url: str, statement: str) -> str:
    """Run ``statement`` as the app role; the error it got ('' if it was allowed)."""
    with psycopg.connect(url, autocommit=True) as connection:
        try:
            connection.execute(statement)
        except psycopg.Error as exc:
            return str(exc)
    return ""


def test_harden_confines_the_app_role_and_the_app_still_works(tmp_path: Path) -> None:
    server = os.environ["DATABASE_URL"]
    role, name = f"bastion_audit_app_{os.getpid()}", f"bastion_audit_roles_{os.getpid()}"
    _pg_admin(server, f'DROP ROLE IF EXISTS "{role}"', f'CREATE ROLE "{role}" LOGIN NOSUPERUSER')
    try:
        with scratch_database(tmp_path, server, name=name) as owner:
            hardened = owner.run("auditlog", "harden", "--app-role", role)
            assert hardened.returncode == 0, hardened.stderr
            assert "may no longer update, delete or truncate audit rows" in hardened.stdout
            app_url = _as_role(owner.env["DATABASE_URL"], role)
            app = Scratch({**owner.env, "DATABASE_URL": app_url}, "postgresql")

            # The application, as the confined role: records and seals (through the owner's function) ...
            reports = run_appenders(app, tmp_path, processes=2, seconds=3)
            appended = sum(report["events"] for report in reports)
            stats = log_stats(app)
            assert stats["count"] == appended and stats["prevs"] == appended and appended > 0
            # ... archives old events (the delete goes through the other function) ...
            assert app.run("shell", "-c", OLD_EVENTS).returncode == 0
            archived = app.run("auditlog", "archive")
            assert archived.returncode == 0, archived.stderr
            assert "archived" in archived.stdout
            # ... and checkpoints and verifies.
            for command in (["auditlog", "checkpoint"], ["auditlog", "verify"]):
                done = app.run(*command)
                assert done.returncode == 0, done.stderr

            for table in TABLES:
                column = "sequence" if table == "kernel_auditevent" else "id"
                statements = (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}", f"TRUNCATE {table}")  # noqa: S608
                for statement in statements:
                    assert "permission denied" in _refused(app_url, statement), statement
            for statement in ("DELETE FROM kernel_auditchainhead", "TRUNCATE kernel_auditchainhead"):
                assert "permission denied" in _refused(app_url, statement), statement
            # The functions do not widen the hole: the triggers still decide what may go.
            assert "append-only" in _refused(app_url, "SELECT bastion_audit_remove_archived(1, 1000000)")
            verified = app.run("auditlog", "verify")
            assert verified.returncode == 0, verified.stderr
    finally:
        _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'DROP ROLE IF EXISTS "{role}"')

"""Append-only at the database level: triggers that refuse UPDATE and DELETE on audit rows.

Two DELETEs are permitted: of events inside a range that an ``AuditArchive`` row covers
(written only by ``archive.archive_events`` after the signed export file exists; see
docs/adr/0015), and of an inbox row whose sealed copy, identical in every content column,
is in the chain (the sealer's move; docs/adr/0024; on PostgreSQL checked once per statement
over all its deleted rows, docs/adr/0052). Inbox rows are never updated.
``install``/``drop`` are used by the migrations, and by the test suite around the flush of
transactional tests; nothing in the application drops them.
"""

from __future__ import annotations

from typing import Any

PROTECTED_TABLES = (
    "kernel_auditevent",
    "kernel_auditcheckpoint",
    "kernel_auditarchive",
    "kernel_auditinbox",
    "kernel_auditshipment",
)
_ARCHIVED = "EXISTS (SELECT 1 FROM kernel_auditarchive a WHERE {row}.sequence BETWEEN a.first_sequence AND a.last_sequence)"
_SAME = [
    "timestamp",
    "kind",
    "outcome",
    "actor_id",
    "actor_snapshot",
    "on_behalf_of_id",
    "client_ip",
    "user_agent",
    "request_id",
    "target_type",
    "target_id",
    "target_snapshot",
    "changes",
    "extra",
]


def _sealed(row: str, same: str) -> str:
    """SQL: the inbox row ``row`` has a sealed copy with the same content (``same``: IS / IS NOT DISTINCT FROM)."""
    equal = " AND ".join(f"e.{column} {same} {row}.{column}" for column in _SAME)
    return f"EXISTS (SELECT 1 FROM kernel_auditevent e WHERE e.inbox_id = {row}.id AND {equal})"  # noqa: S608 - fixed names


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION bastion_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Nested IFs: PL/pgSQL does not promise to short-circuit AND, and only events have "sequence".
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'kernel_auditevent' THEN
    IF {archived} THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit rows in % are append-only (% refused)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
""".format(archived=_ARCHIVED.format(row="OLD"))

# The inbox's DELETE guard on PostgreSQL runs once per statement over the deleted rows (a
# transition table), not once per row: the sealer releases up to 1,000 rows in one statement,
# and a PL/pgSQL call per row cost about a third of the server's sealing work. A row without an
# identical sealed copy makes the statement fail, so no row of it is deleted.
_PG_INBOX_RELEASE = """
CREATE OR REPLACE FUNCTION bastion_audit_inbox_released() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM released WHERE NOT {sealed}) THEN
    RAISE EXCEPTION 'audit rows in kernel_auditinbox are append-only (DELETE refused)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END $$;
""".format(sealed=_sealed("released", "IS NOT DISTINCT FROM"))  # noqa: S608 - fixed names
INBOX = "kernel_auditinbox"


def _sqlite_statements(table: str) -> list[str]:
    guards = {"kernel_auditevent": _ARCHIVED.format(row="OLD"), "kernel_auditinbox": _sealed("OLD", "IS")}
    delete_guard = f"WHEN NOT {guards[table]} " if table in guards else ""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'audit rows in {table} are append-only (UPDATE refused)'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} {delete_guard}"
        f"BEGIN SELECT RAISE(ABORT, 'audit rows in {table} are append-only (DELETE refused)'); END",
    ]


def install(connection: Any, tables: tuple[str, ...] = PROTECTED_TABLES) -> None:
    """Create the append-only triggers on ``tables`` (default: every audit table; idempotent)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table in tables:
                refused = "UPDATE" if table == INBOX else "UPDATE OR DELETE"
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE {refused} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION bastion_audit_append_only()"
                )
            if INBOX in tables:
                cursor.execute(_PG_INBOX_RELEASE)
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {INBOX}_released AFTER DELETE ON {INBOX} REFERENCING OLD TABLE AS released "
                    "FOR EACH STATEMENT EXECUTE FUNCTION bastion_audit_inbox_released()"
                )
        elif connection.vendor == "sqlite":
            for table in tables:
                for statement in _sqlite_statements(table):
                    cursor.execute(statement)
        else:  # pragma: no cover - Bastion supports SQLite and PostgreSQL only
            raise NotImplementedError(f"no append-only triggers for {connection.vendor}")


def drop(connection: Any) -> None:
    """Remove the triggers (tests and the migration's reverse only)."""
    with connection.cursor() as cursor:
        for table in PROTECTED_TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                if table == INBOX:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {INBOX}_released ON {INBOX}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")

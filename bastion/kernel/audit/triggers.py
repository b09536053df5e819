"""Append-only at the database level: triggers that refuse UPDATE and DELETE on audit rows.

The one permitted DELETE removes events inside a range that an ``AuditArchive`` row covers
(written only by ``archive.archive_events`` after the signed export file exists; see
docs/adr/0015). ``install``/``drop`` are used by the migration, and by the test suite around the
flush of transactional tests; nothing in the application drops them.
"""

from __future__ import annotations

from typing import Any

PROTECTED_TABLES = ("kernel_auditevent", "kernel_auditcheckpoint", "kernel_auditarchive")
_ARCHIVED = "EXISTS (SELECT 1 FROM kernel_auditarchive a WHERE {row}.sequence BETWEEN a.first_sequence AND a.last_sequence)"

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


def _sqlite_statements(table: str) -> list[str]:
    delete_guard = f"WHEN NOT {_ARCHIVED.format(row='OLD')} " if table == "kernel_auditevent" else ""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'audit rows in {table} are append-only (UPDATE refused)'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} {delete_guard}"
        f"BEGIN SELECT RAISE(ABORT, 'audit rows in {table} are append-only (DELETE refused)'); END",
    ]


def install(connection: Any) -> None:
    """Create the append-only triggers on every audit table (idempotent)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table in PROTECTED_TABLES:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION bastion_audit_append_only()"
                )
        elif connection.vendor == "sqlite":
            for table in PROTECTED_TABLES:
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
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")

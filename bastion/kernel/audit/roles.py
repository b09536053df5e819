"""PostgreSQL: the application's role may not UPDATE, DELETE or TRUNCATE audit rows (docs/adr/0025).

Triggers (ADR 0015) refuse UPDATE and DELETE but not TRUNCATE, and a role that owns the
tables can drop them. Where the application connects as a role of its own (not the owner
that runs migrations), ``bastion auditlog harden --app-role NAME``, run as the owner, grants
it the ordinary rights on every table and then takes back UPDATE, DELETE and TRUNCATE on the
audit tables. The two deletes the log needs go through functions owned by the owner
(``SECURITY DEFINER``), which the triggers still check:

- ``bastion_audit_release_sealed(ids)``: the sealer removes inbox rows once sealed;
- ``bastion_audit_remove_archived(first, last)``: retention removes an archived range.

The application calls them on PostgreSQL whether or not the roles are split, so one code path
is tested everywhere.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

APPEND_ONLY = ("kernel_auditevent", "kernel_auditcheckpoint", "kernel_auditarchive", "kernel_auditinbox", "kernel_auditshipment")
HEAD = "kernel_auditchainhead"  # updated on every seal, never deleted or truncated

FUNCTIONS = """
CREATE OR REPLACE FUNCTION bastion_audit_release_sealed(ids bigint[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE removed bigint;
BEGIN
  DELETE FROM kernel_auditinbox WHERE id = ANY(ids);  -- the trigger demands an identical sealed copy
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$;
CREATE OR REPLACE FUNCTION bastion_audit_remove_archived(first_seq bigint, last_seq bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE removed bigint;
BEGIN
  DELETE FROM kernel_auditevent WHERE sequence BETWEEN first_seq AND last_seq;  -- the trigger demands a covering archive
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$;
REVOKE ALL ON FUNCTION bastion_audit_release_sealed(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION bastion_audit_remove_archived(bigint, bigint) FROM PUBLIC;
"""


def install_functions(connection: Any) -> None:
    """Create (or replace) the two delete functions, owned by the role running the migration."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        cursor.execute(FUNCTIONS.format(schema=sql.Identifier(schema).as_string(cursor.connection)))


def harden_statements(app_role: str, schema: str = "public") -> list[sql.Composed]:
    """The GRANT/REVOKE statements that confine ``app_role`` (run by the tables' owner)."""
    role, space = sql.Identifier(app_role), sql.Identifier(schema)
    statements = [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(space, role),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(space, role),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(space, role),
        # Tables created by later migrations (run by the owner) get the same rights; the audit
        # tables all exist already, so a new one would need `harden` again (see the ADR).
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}").format(space, role),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE, SELECT ON SEQUENCES TO {}").format(space, role),
        sql.SQL("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {} FROM {}").format(space, role),
    ]
    for table in APPEND_ONLY:
        statements.append(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(table), role))
    statements.append(sql.SQL("REVOKE DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(HEAD), role))
    for function in ("bastion_audit_release_sealed(bigint[])", "bastion_audit_remove_archived(bigint, bigint)"):
        statements.append(sql.SQL("GRANT EXECUTE ON FUNCTION " + function + " TO {}").format(role))
    return statements


def harden(connection: Any, app_role: str) -> list[str]:
    """Apply :func:`harden_statements` for ``app_role``; the statements as run."""
    if connection.vendor != "postgresql":
        raise ValueError("a separate database role needs PostgreSQL; on SQLite the triggers are the protection")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
        found = cursor.fetchone()
        if found is None:
            raise ValueError(f"there is no database role {app_role!r}: create it first (CREATE ROLE ... LOGIN)")
        if found[0]:
            raise ValueError(f"{app_role!r} is a superuser: privileges do not bind it; use an ordinary role")
        install_functions(connection)
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        done = []
        for statement in harden_statements(app_role, schema):
            text = statement.as_string(cursor.connection)
            cursor.execute(text)
            done.append(text)
    return done

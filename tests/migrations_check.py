"""``bastion makemigrations --check`` with every database present, failing on any warning.

Django checks the migration history of every database alias, the key store (``keys``) included.
On PostgreSQL the key store is a database of its own (``<name>_keys``) that nothing else creates
before the tests do, and a missing one only printed a warning. Here every PostgreSQL database the
settings name is created first when it is missing (empty: the check only reads its history), and
the check runs with runtime warnings (such as that one) turned into errors, so they fail CI.
"""

from __future__ import annotations

import os
import subprocess
import sys


def ensure_postgresql_databases() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bastion.settings")
    import django

    django.setup()
    import psycopg
    from django.conf import settings
    from psycopg import sql

    for database in settings.DATABASES.values():
        if database["ENGINE"] != "django.db.backends.postgresql":
            continue
        server = {
            "host": database.get("HOST") or "127.0.0.1",
            "port": database.get("PORT") or 5432,
            "user": database.get("USER") or "postgres",
            "password": database.get("PASSWORD") or None,
        }
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]).fetchone():
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))
                sys.stdout.write(f"Created the empty database {database['NAME']} for the migration check\n")


def main() -> int:
    ensure_postgresql_databases()
    command = [sys.executable, "-W", "error::RuntimeWarning", "-m", "bastion.cli", "makemigrations", "--check", "--dry-run"]
    return subprocess.run(command, check=False).returncode  # noqa: S603 - a fixed command


if __name__ == "__main__":
    sys.exit(main())

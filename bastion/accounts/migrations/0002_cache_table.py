"""Create the database cache table: rate limits and sign-in lockouts are kept in the cache.

Runs ``createcachetable`` (a no-op when the cache is Redis, and when the table exists),
so ``migrate`` alone prepares a new database, on SQLite and PostgreSQL, including the
test database.
"""

from django.db import migrations


def create_cache_tables(apps, schema_editor):
    from bastion.accounts.maintenance import ensure_cache_tables

    ensure_cache_tables(database=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False)]

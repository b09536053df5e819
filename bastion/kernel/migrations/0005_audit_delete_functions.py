"""PostgreSQL: the functions through which the sealer and retention delete audit rows (docs/adr/0025)."""

from django.db import migrations


def install(apps, schema_editor):
    from bastion.kernel.audit import roles

    roles.install_functions(schema_editor.connection)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION IF EXISTS bastion_audit_release_sealed(bigint[])")
            cursor.execute("DROP FUNCTION IF EXISTS bastion_audit_remove_archived(bigint, bigint)")


class Migration(migrations.Migration):
    dependencies = [("kernel", "0004_audit_inbox")]
    operations = [migrations.RunPython(install, drop)]

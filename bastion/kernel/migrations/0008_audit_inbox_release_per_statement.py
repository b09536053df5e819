"""PostgreSQL: the inbox's DELETE guard checks the sealer's whole release at once (docs/adr/0052).

The per-row trigger that let an inbox row go only with an identical sealed copy becomes a
statement trigger over the deleted rows; UPDATE stays refused per row. SQLite is unchanged.
"""

from django.db import migrations


def install(apps, schema_editor):
    from bastion.kernel.audit import triggers

    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("kernel", "0007_alter_auditevent_kind")]
    # No reverse: the earlier code's per-row guard is equally strict, and `install` is idempotent.
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

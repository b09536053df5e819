"""Append-only triggers on the audit tables (SQLite and PostgreSQL), see bastion/kernel/audit/triggers.py."""

from django.db import migrations


def install(apps, schema_editor):
    from bastion.kernel.audit import triggers

    # The tables of this migration; the inbox (0004) gets its triggers there.
    triggers.install(schema_editor.connection, ("kernel_auditevent", "kernel_auditcheckpoint", "kernel_auditarchive"))


def drop(apps, schema_editor):
    from bastion.kernel.audit import triggers

    triggers.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("kernel", "0001_audit_trail")]
    operations = [migrations.RunPython(install, drop)]

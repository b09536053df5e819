# Merges the audit inbox (ADR 0024) with the event kinds added by access control and CSV import.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('kernel', '0004_access_event_kinds'),
        ('kernel', '0004_audit_kind_data_imported'),
        ('kernel', '0005_audit_delete_functions'),
    ]

    operations = [
    ]

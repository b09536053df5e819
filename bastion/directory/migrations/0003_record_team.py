"""Each company and contact gets a team (ADR 0027); existing records take their owner's first team."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def teams_from_owners(apps: Any, schema_editor: Any) -> None:
    """A record's team is its owner's first team by name (none if the owner has none)."""
    membership_model = apps.get_model("accounts", "Membership")
    first_team: dict[int, Any] = {}
    for membership in membership_model.objects.prefetch_related("teams"):
        teams = sorted(membership.teams.all(), key=lambda team: team.name)
        if teams:
            first_team[membership.user_id] = teams[0].pk
    for name in ("Company", "Contact"):
        model = apps.get_model("directory", name)
        for owner_id, team_id in first_team.items():
            model.objects.filter(owner_id=owner_id, team__isnull=True).update(team_id=team_id)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_record_access"),
        ("directory", "0002_encryption_at_rest"),
    ]

    operations = [
        migrations.AddField(
            model_name="company",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="accounts.team",
                verbose_name="team",
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="accounts.team",
                verbose_name="team",
            ),
        ),
        migrations.RunPython(teams_from_owners, migrations.RunPython.noop),
    ]

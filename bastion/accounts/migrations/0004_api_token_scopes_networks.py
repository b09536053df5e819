"""API tokens get scopes and a network allow-list.

Tokens issued before scopes existed could do everything their user could, so they keep every
scope of that time (read and write on companies, contacts and the profile); new tokens get
the scopes chosen when they are issued. No token gets a network restriction it did not have.
"""

from typing import Any

from django.db import migrations, models

SCOPES_BEFORE_SCOPES = ["company:write", "contact:write", "profile:write"]


def grant_existing_tokens_their_old_reach(apps: Any, schema_editor: Any) -> None:
    api_token = apps.get_model("accounts", "ApiToken")
    api_token.objects.update(scopes=SCOPES_BEFORE_SCOPES)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_throttle_windows"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="allowed_networks",
            field=models.JSONField(blank=True, default=list, verbose_name="allowed networks"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(blank=True, default=list, verbose_name="scopes"),
        ),
        migrations.RunPython(grant_existing_tokens_their_old_reach, migrations.RunPython.noop),
    ]

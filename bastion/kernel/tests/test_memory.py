"""The WSGI module freezes start-up objects after loading the URLconf (bastion/kernel/memory.py, ADR 0055)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import gc, json, sys
import bastion.wsgi
from django.test import Client
frozen, views_loaded = gc.get_freeze_count(), "bastion.directory.api" in sys.modules  # before any request
answer = Client().get("/healthz")
print(json.dumps({"frozen": frozen, "views_loaded": views_loaded, "status": answer.status_code}))
"""


def test_the_wsgi_application_loads_its_views_and_freezes_what_start_up_made(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_") and k != "DATABASE_URL"}
    env.update({"BASTION_ENV": "development", "BASTION_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "bastion.settings"})
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=True)  # noqa: S603
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["views_loaded"], "the URLconf was not loaded before freezing: the first request would load it"
    assert found["frozen"] > 50_000, found  # modules, classes and functions of Django, DRF and Bastion
    assert found["status"] == 200, found  # and the application still answers

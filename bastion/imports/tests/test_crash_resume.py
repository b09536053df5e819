"""An import killed with SIGKILL half way, then run again, imports each good row exactly once.

A fresh installation (SQLite, and PostgreSQL when DATABASE_URL names one) gets a 400-row contact
file with 3% bad rows. ``bastion imports run`` is killed with SIGKILL once it reports half the rows
done, and run again. Then: every good row's email belongs to exactly one contact, there are as many
contacts as good rows, every bad row is reported once with its line, the job's counts add up, and
the audit trail still verifies (each row's record.created committed with its row, or not at all).
The worker takes batches of 25 rows, one transaction each (docs/adr/0043). It runs once as one
process and once with three lanes (docs/adr/0062): the command imports one lane and starts a
process for each other, and the whole process group is killed, as a machine that stops would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion.imports.tests.helpers import contacts_csv

GOOD, BAD_EVERY = 388, 32  # 388 good rows and 12 bad ones: 3%
BAD = GOOD // BAD_EVERY
SEED_SCRIPT = """
import django, json, sys
django.setup()
from bastion.accounts.actions import create_staff_user
from bastion.imports import actions
from bastion.kernel.access.roles import Role
user, _ = create_staff_user("importer", "importer@bench.example", Role.SALES_REP, usable_password=False)
data = open(sys.argv[1], "rb").read()
job = actions.create_import(user, object_type="contact", source_name="Crash test", file_name="crash.csv", data=data)
actions.start_import(user, job.pk, mapping=job.mapping, dedupe="skip")
print(json.dumps({"job": str(job.pk)}))
"""
STATE_SCRIPT = """
import django, json, sys
django.setup()
from collections import Counter
from bastion.directory.models import Contact, ContactEmail
from bastion.imports.models import ImportJob, ImportLane, ImportRejection
job = ImportJob.objects.get(pk=sys.argv[1])
emails = Counter(str(row.address) for row in ContactEmail.objects.all())
print(json.dumps({
    "status": job.status, "position": job.position, "total": job.total_rows, "created": job.created_count,
    "rejected": job.rejected_count, "skipped": job.skipped_count, "contacts": Contact.objects.count(),
    "emails": len(emails), "repeated": [email for email, n in emails.items() if n > 1],
    "lines": sorted(ImportRejection.objects.filter(job=job).values_list("line", flat=True)),
    "lanes": ImportLane.objects.filter(job=job).count(),
}))
"""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def state(env: dict[str, str], job: str) -> dict[str, Any]:
    return dict(json.loads(run(env, "-c", STATE_SCRIPT, job).stdout.strip().splitlines()[-1]))


@pytest.fixture(params=["sqlite", "postgresql"])
def installation(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A fresh data folder; for PostgreSQL two new databases (main and key store)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_") and k != "DATABASE_URL"}
    env.update({"BASTION_ENV": "development", "BASTION_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"})
    env["DJANGO_SETTINGS_MODULE"] = "bastion.settings"
    url = os.environ.get("DATABASE_URL", "")
    if request.param == "sqlite":
        yield env
        return
    if not url.startswith("postgres"):
        pytest.skip("DATABASE_URL does not name a PostgreSQL server")
    import psycopg

    base, name = url.rsplit("/", 1)
    names = [f"{name}_import_{os.getpid()}", f"{name}_import_{os.getpid()}_keys"]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        for database in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{database}"')
    env.update({"DATABASE_URL": f"{base}/{names[0]}", "BASTION_KEYSTORE_URL": f"{base}/{names[1]}"})
    try:
        yield env
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            for database in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def kill_half_way(env: dict[str, str], job: str, pause: float) -> None:
    """Run the import slowly, in batches of 25 rows, and SIGKILL it once it reports half the rows done."""
    command = [sys.executable, "-m", "bastion.cli", "imports", "run", job, "--pause", str(pause), "--batch", "25"]
    process = subprocess.Popen(  # noqa: S603
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        parts = line.split()
        if len(parts) == 2 and parts[0] == job:
            done, total = (int(x) for x in parts[1].split("/"))
            if done >= total // 2:
                break
    os.killpg(process.pid, signal.SIGKILL)  # the command and the lanes it started
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "".join(seen)


@pytest.mark.parametrize("lanes", [1, 3])
def test_sigkill_half_way_then_rerun_imports_each_good_row_exactly_once(
    installation: dict[str, str], tmp_path: Path, lanes: int
) -> None:
    env = {**installation, "BASTION_IMPORT_LANES": str(lanes)}
    text, bad_lines = contacts_csv(GOOD, bad_every=BAD_EVERY)
    assert len(bad_lines) == BAD
    upload = tmp_path / "crash.csv"
    upload.write_text(text, encoding="utf-8")
    run(env, "-m", "bastion.cli", "migrate")
    job = json.loads(run(env, "-c", SEED_SCRIPT, str(upload)).stdout.strip().splitlines()[-1])["job"]

    # Lanes started as processes of their own take a second or more to start, and the command
    # reports their progress by looking every quarter second: slower batches let it see half.
    kill_half_way(env, job, 0.05 if lanes == 1 else 0.3)
    half = state(env, job)
    assert half["status"] == "running" and half["total"] // 2 <= half["position"] < half["total"], half
    assert half["contacts"] == half["created"] and half["repeated"] == []  # what committed, committed whole

    out = run(env, "-m", "bastion.cli", "imports", "run", job, "--batch", "25").stdout
    assert f"import {job}: done" in out
    final = state(env, job)
    assert final["status"] == "done" and final["position"] == final["total"] == GOOD + BAD
    assert (final["created"], final["rejected"], final["skipped"]) == (GOOD, BAD, 0)
    assert final["contacts"] == GOOD and final["emails"] == GOOD and final["repeated"] == []
    assert final["lines"] == bad_lines
    assert final["lanes"] == (lanes if lanes > 1 else 0)
    run(env, "-m", "bastion.cli", "auditlog", "verify")

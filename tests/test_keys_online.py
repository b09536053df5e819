"""Key rotation with the server running and writes happening, on SQLite and PostgreSQL.

`bastion serve` runs on a fresh data folder; a writer keeps creating and changing contacts through
the API; `bastion keys rotate` runs, then `bastion keys reencrypt`, which is killed with SIGKILL
half way and run again. Every value still reads correctly, nothing the writer did failed, and in
the end every ciphertext is under the new key version. Also greps the raw SQLite files (database
and WAL) of the running installation for the restricted values written through the API.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion.kernel.access.masking import mask_value
from bastion.operations.tests.test_serve import free_port

SEEDED = 600
SEED_SCRIPT = """
import django, json
django.setup()
from bastion.accounts.actions import create_staff_user
from bastion.accounts.tokens import issue_token
from bastion.directory.tests.factories import bulk_contacts
from bastion.kernel.access.roles import Role
admin, _ = create_staff_user("online-admin", "online@bench.example", Role.ADMINISTRATOR, usable_password=False)
bulk_contacts(SEEDED, owner=admin, seed=7, batch_size=100)
print(json.dumps({"token": issue_token(admin, name="online", days=1).plaintext}))
""".replace("SEEDED", str(SEEDED))
VERIFY_SCRIPT = """
import django, json
django.setup()
from bastion.directory.models import Contact, ContactEmail, ContactPhone
from bastion.kernel.crypto import envelope
from bastion.kernel.crypto.fields import encrypted_fields
versions, rows = {}, 0
for model in (Contact, ContactEmail, ContactPhone):
    fields = encrypted_fields(model)
    for row in model.objects.all():
        rows += 1
        stored = {field.name: bytes(row.__dict__[field.attname]) for field in fields}
        for field in fields:
            getattr(row, field.name)  # decrypts, or raises an integrity error
            fmt, version = envelope.header(stored[field.name])
            label = "empty" if fmt == envelope.FORMAT_EMPTY else str(version)  # an empty value has no key version
            versions[label] = versions.get(label, 0) + 1
print(json.dumps({"rows": rows, "versions": versions}))
"""
READ_SCRIPT = """
import django, json
django.setup()
from bastion.directory.models import Contact
rows = Contact.objects.filter(pk__in=IDS)
print(json.dumps({str(c.pk): [c.primary_email, c.primary_phone, c.street] for c in rows}))
"""
EMAIL_SCRIPT = """
import django, json
django.setup()
from bastion.directory.selectors import contact_ids_with_email
print(json.dumps([str(i) for i in contact_ids_with_email(EMAIL)]))
"""


def stored_ids(env: dict[str, str], email: str) -> list[str]:
    ids = python(env, EMAIL_SCRIPT.replace("EMAIL", json.dumps(email)))
    assert len(ids) == 1, ids
    return list(ids)


def bastion(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "bastion.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"bastion {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def python(env: dict[str, str], script: str) -> Any:
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(params=["sqlite", "postgresql"])
def installation(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a fresh installation: a data folder, and for PostgreSQL two new databases."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_") and k != "DATABASE_URL"}
    env.update({"BASTION_ENV": "development", "BASTION_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"})
    env.update({"DJANGO_SETTINGS_MODULE": "bastion.settings", "BASTION_API_RATE": "100000/min"})
    url = os.environ.get("DATABASE_URL", "")
    if request.param == "sqlite":
        yield env
        return
    if not url.startswith("postgres"):
        pytest.skip("DATABASE_URL does not name a PostgreSQL server")
    import psycopg

    base, name = url.rsplit("/", 1)
    names = [f"{name}_online_{os.getpid()}", f"{name}_online_{os.getpid()}_keys"]
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


class Writer(threading.Thread):
    """Creates a contact, then changes its phone, again and again, through the API; remembers what it wrote."""

    def __init__(self, port: int, token: str) -> None:
        super().__init__(daemon=True)
        self.base = f"http://127.0.0.1:{port}/api/v1/contacts/"
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.stop = threading.Event()
        self.written: dict[str, dict[str, str]] = {}
        self.failures: list[str] = []

    def wait_for_writes(self, count: int, deadline_s: float = 60) -> None:
        """Block until at least ``count`` contacts were written (or a write failed), failing at the deadline."""
        end = time.monotonic() + deadline_s
        while len(self.written) < count and not self.failures:
            assert time.monotonic() < end, f"the writer managed {len(self.written)} of {count} writes in {deadline_s} s"
            self.stop.wait(0.05)  # a bounded wait between checks of the condition

    def call(self, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=self.headers, method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return dict(json.loads(response.read()))

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            email, phone, street = f"writer-{n}@online.example", f"+44 20 7946 {n % 10_000:04d}", f"{n} Writer Street"
            try:
                created = self.call("POST", self.base, {"given_name": f"W{n}", "emails": [{"address": email}], "street": street})
                self.call("PATCH", f"{self.base}{created['id']}/", {"phones": [{"number": phone}]})
                self.written[created["id"]] = {"email": email, "phone": phone, "street": street}
            except (urllib.error.URLError, OSError, KeyError) as exc:
                self.failures.append(f"{n}: {exc}")


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bastion.cli", "serve", "--no-demo", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)  # still starting
    server.kill()
    raise AssertionError("the server did not become ready")


def reencrypt_killed_half_way(env: dict[str, str]) -> None:
    """Run ``keys reencrypt`` slowly and SIGKILL it once it is half way through the contacts."""
    command = [sys.executable, "-m", "bastion.cli", "keys", "reencrypt", "--batch-size", "20", "--pause", "0.05"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # noqa: S603
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        parts = line.split()
        if parts and parts[0] == "directory.Contact" and "/" in line:
            done, total = (int(x.replace(",", "")) for x in line.split("]")[1].split("rows")[0].strip().split("/"))
            if done >= total // 2:
                break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "".join(seen)


def api_get(port: int, token: str, path: str) -> Any:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def test_rotate_and_reencrypt_online_surviving_sigkill(installation: dict[str, str]) -> None:
    env = installation
    bastion(env, "migrate")
    token = python(env, SEED_SCRIPT)["token"]
    port = free_port()
    server = start_server(env, port)
    writer = Writer(port, token)
    try:
        writer.start()
        writer.wait_for_writes(3)  # writes are happening before the rotation starts
        assert "Root key version 2 is current" in bastion(env, "keys", "rotate").stdout
        reencrypt_killed_half_way(env)
        bastion(env, "keys", "reencrypt", "--batch-size", "50")
        writer.wait_for_writes(len(writer.written) + 2)  # and still happen after it
        writer.stop.set()
        writer.join(timeout=30)
        bastion(env, "keys", "reencrypt")  # moves what a server wrote under a key it had cached before the rotation
        assert writer.failures == [] and len(writer.written) > 3
        sample = list(writer.written.items())[:: max(1, len(writer.written) // 15)]
        for contact_id, values in sample:
            # The server decrypts each value; the API shows it masked for the role (docs/adr/0030).
            body = api_get(port, token, f"/api/v1/contacts/{contact_id}/")
            assert (body["primary_email"], body["primary_phone"], body["street"]) == (
                mask_value(values["email"]),
                mask_value(values["phone"]),
                mask_value(values["street"]),
            )
        stored = python(env, READ_SCRIPT.replace("IDS", json.dumps([contact_id for contact_id, _values in sample])))
        assert stored == {i: [v["email"], v["phone"], v["street"]] for i, v in sample}
        found = api_get(port, token, "/api/v1/contacts/?q=person7-123%40bulk.example")["results"]
        assert [row["id"] for row in found] == stored_ids(env, "person7-123@bulk.example")  # the blind index still finds it
        if "DATABASE_URL" not in env:
            raw = b"".join(path.read_bytes() for path in Path(env["BASTION_DATA_DIR"]).glob("bastion.sqlite3*"))
            assert b"Writer Street" not in raw and b"@online.example" not in raw and b"@bulk.example" not in raw
    finally:
        writer.stop.set()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    state = python(env, VERIFY_SCRIPT)
    assert state["rows"] >= SEEDED * 3 and set(state["versions"]) - {"empty"} == {"2"}, state

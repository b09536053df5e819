"""The stand-alone verifier (``bin/bastion-verify-audit``) checks exports and inclusion proofs with
only the public key, as a separate process, and never needs Django."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import cryptography
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from bastion.kernel.audit import signing
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.tests.helpers import append
from bastion.kernel.audit.writer import Target, record_event

pytestmark = pytest.mark.django_db
VERIFIER = Path(settings.BASE_DIR) / "bin" / "bastion-verify-audit"


def run_verifier(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter and the project's own script
        [sys.executable, str(VERIFIER), *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def public_key(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command("auditlog", "public-key", stdout=out)
    path = tmp_path / "audit.pub"
    path.write_text(out.getvalue())
    return path


def export(tmp_path: Path, events: int = 12) -> Path:
    append(events)
    path = tmp_path / "export.jsonl"
    call_command("auditlog", "export", "--output", str(path), stdout=io.StringIO())
    return path


def event_lines(path: Path) -> dict[int, int]:
    """Line index (0-based) of each event, by sequence number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["entry"]["seq"]: n for n, line in enumerate(lines) if '"type":"event"' in line}


def rewrite_line(path: Path, index: int, change: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[index] = change
    path.write_text("".join(lines), encoding="utf-8")


def test_an_untouched_export_verifies_in_a_separate_process(tmp_path: Path, public_key: Path) -> None:
    append(12)
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    path = tmp_path / "export.jsonl"
    call_command("auditlog", "export", "--output", str(path), stdout=io.StringIO())
    result = run_verifier("--public-key", public_key, path)
    assert result.returncode == 0, result.stderr
    assert f"OK: events 1-{last} verified against the signed tree head of {last} events" in result.stdout


def test_one_changed_byte_in_an_event_line_fails_naming_its_sequence(tmp_path: Path, public_key: Path) -> None:
    path = export(tmp_path)
    index = event_lines(path)[5]
    line = path.read_text(encoding="utf-8").splitlines(keepends=True)[index]
    stamp = json.loads(line)["entry"]["ts"]  # ...HH:MM:SS.ffffffZ: change one digit
    digit = stamp[-2]
    forged = line.replace(stamp, stamp[:-2] + ("1" if digit != "1" else "2") + "Z")
    assert len(forged) == len(line) and forged != line
    rewrite_line(path, index, forged)
    result = run_verifier("--public-key", public_key, path)
    assert result.returncode == 1
    assert "event 5 does not match its hash" in result.stderr


def test_a_changed_field_with_a_recomputed_leaf_hash_breaks_the_signed_head(tmp_path: Path, public_key: Path) -> None:
    from bastion.kernel.audit import canonical, merkle

    path = export(tmp_path)
    index = event_lines(path)[3]
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[index])
    record["entry"]["ip"] = "203.0.113.9"
    record["leaf_hash"] = merkle.leaf_hash(canonical.encode(record["entry"])).hex()
    rewrite_line(path, index, json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n")
    result = run_verifier("--public-key", public_key, path)
    assert result.returncode == 1
    assert "event 4 does not follow the previous event" in result.stderr  # the next event's prev hash


def test_a_removed_event_line_is_named(tmp_path: Path, public_key: Path) -> None:
    path = export(tmp_path)
    rewrite_line(path, event_lines(path)[7], "")
    result = run_verifier("--public-key", public_key, path)
    assert result.returncode == 1 and "event 7 is missing" in result.stderr


def test_another_key_does_not_verify(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    path = export(tmp_path)
    other = tmp_path / "other.pub"
    key = serialization.load_pem_private_key(signing.new_private_key_pem(), password=None)
    other.write_text(signing.public_key_pem(key.public_key()))  # type: ignore[arg-type]
    result = run_verifier("--public-key", other, path)
    assert result.returncode == 1 and "signature does not verify" in result.stderr


def proof_file(tmp_path: Path, sequence: int) -> Path:
    out = io.StringIO()
    call_command("auditlog", "proof", str(sequence), stdout=out)
    path = tmp_path / f"proof-{sequence}.json"
    path.write_text(out.getvalue())
    return path


def test_an_inclusion_proof_verifies_and_a_tampered_one_fails(tmp_path: Path, public_key: Path) -> None:
    append(21)
    path = proof_file(tmp_path, 6)
    result = run_verifier("--public-key", public_key, "--proof", path)
    assert result.returncode == 0, result.stderr
    assert "OK: event 6 is included in the signed tree head of" in result.stdout

    proof = json.loads(path.read_text())
    assert proof["path"], "a tree of 21+ events gives a non-empty audit path"
    forged_entry = {**proof, "entry": {**proof["entry"], "target_id": "999"}}
    first_hash = proof["path"][0]
    flipped = ("0" if first_hash[0] != "0" else "1") + first_hash[1:]
    forged_path = {**proof, "path": [flipped, *proof["path"][1:]]}
    forged_size = {**proof, "tree_size": proof["tree_size"] + 1}
    for name, forged in {"entry": forged_entry, "path": forged_path, "size": forged_size}.items():
        bad = tmp_path / f"forged-{name}.json"
        bad.write_text(json.dumps(forged))
        result = run_verifier("--public-key", public_key, "--proof", bad)
        assert result.returncode == 1, name
        assert "FAILED" in result.stderr


def test_the_verifier_runs_without_django(tmp_path: Path, public_key: Path) -> None:
    """Run with ``-I -S`` and a path holding only the repository and ``cryptography`` (+ cffi)."""
    path = export(tmp_path)
    with transaction.atomic():
        record_event(EventKind.RECORD_VIEWED, target=Target("directory.contact", "1"))
    proof = proof_file(tmp_path, 2)
    site = Path(cryptography.__file__).resolve().parent.parent
    isolated = tmp_path / "site"
    isolated.mkdir()
    for item in [site / "cryptography", site / "cffi", *site.glob("_cffi_backend*.so")]:
        if item.exists():
            (isolated / item.name).symlink_to(item)
    script = (
        "import runpy, sys\n"
        f"sys.path[:0] = [{str(isolated)!r}]\n"
        "try:\n    import django\nexcept ImportError:\n    pass\nelse:\n    raise SystemExit('django is importable')\n"
        f"sys.argv = ['bastion-verify-audit'] + sys.argv[1:]\n"
        "try:\n"
        f"    runpy.run_path({str(VERIFIER)!r}, run_name='__main__')\n"
        "finally:\n"
        "    assert 'django' not in sys.modules\n"
    )
    for args in (["--public-key", str(public_key), str(path)], ["--public-key", str(public_key), "--proof", str(proof)]):
        result = subprocess.run(  # noqa: S603 - this interpreter and the project's own script
            [sys.executable, "-I", "-S", "-c", script, *args], capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("OK: ")


def test_the_module_form_imports_no_django_modules_of_its_own() -> None:
    code = (
        "import sys\n"
        "from bastion.kernel.audit import standalone\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True, cwd=settings.BASE_DIR
    )
    assert result.stdout.strip() == "[]"

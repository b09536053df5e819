"""``bastion keys rotate`` rewraps without touching data; ``reencrypt`` moves data in resumable batches."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from bastion.accounts.testing import enrol_totp
from bastion.directory import actions
from bastion.directory.models import Contact, ContactEmail
from bastion.kernel.crypto import envelope, keyring, rotation
from bastion.kernel.crypto.models import Checkpoint, PersonKey
from bastion.kernel.crypto.provider import FileKeyProvider, set_provider
from bastion.kernel.crypto.router import KEYSTORE_ALIAS


@pytest.fixture
def provider(tmp_path: Path) -> Any:
    """A root key file of this test's own, so rotations do not touch the shared development key."""
    provider = FileKeyProvider(tmp_path / "root_keys.json", create=True)
    set_provider(provider)
    keyring.clear_caches()
    yield provider
    set_provider(None)
    keyring.clear_caches()


def people(actor: Any, count: int) -> list[Contact]:
    return [
        actions.create_contact(
            actor,
            {
                "given_name": f"P{i}",
                "emails": [f"p{i}@rot.example"],
                "phones": [f"+44 20 7946 {i:04d}"],
                "street": f"{i} Mill Lane",
            },
        )
        for i in range(count)
    ]


def versions(model: Any, field: str) -> set[int]:
    return {envelope.header(bytes(blob))[1] for blob in model.objects.values_list(field, flat=True)}


def test_rotate_rewraps_keys_and_leaves_field_data_alone(personas: Any, provider: Any) -> None:
    made = people(personas.rep_east, 3)
    before = list(Contact.objects.order_by("pk").values_list("street", flat=True))
    version, rewrapped = rotation.rotate()
    assert version == 2 and rewrapped >= 3
    assert set(PersonKey.objects.using(KEYSTORE_ALIAS).values_list("root_version", flat=True)) == {2}
    assert list(Contact.objects.order_by("pk").values_list("street", flat=True)) == before  # not one byte changed
    keyring.clear_caches()
    assert [Contact.objects.get(pk=c.pk).street for c in made] == ["0 Mill Lane", "1 Mill Lane", "2 Mill Lane"]


def test_reencrypt_is_resumable_after_a_crash_and_idempotent(personas: Any, provider: Any) -> None:
    made = people(personas.rep_east, 7)
    rotation.rotate()
    keyring.clear_caches()

    class Killed(Exception):
        pass

    def die_after_two_batches(label: str, seen: int, total: int, changed: int) -> None:
        if label == "directory.Contact" and seen >= 4:
            raise Killed

    with pytest.raises(Killed):
        rotation.reencrypt(batch_size=2, progress=die_after_two_batches)
    checkpoint = Checkpoint.objects.using(KEYSTORE_ALIAS).get(target="directory.Contact")
    assert checkpoint.last_pk and not checkpoint.done
    assert versions(Contact, "street") == {1, 2}  # half way
    report = rotation.reencrypt(batch_size=2)
    assert report["directory.Contact"] > 0 and report["directory.ContactEmail"] == 7
    for model, field in ((Contact, "street"), (Contact, "primary_email"), (ContactEmail, "address")):
        assert versions(model, field) == {2}, (model, field)
    assert not Checkpoint.objects.using(KEYSTORE_ALIAS).exists()  # a complete run clears its checkpoints
    assert rotation.reencrypt(batch_size=2) == dict.fromkeys(report, 0)  # nothing left to do
    keyring.clear_caches()
    assert sorted(Contact.objects.get(pk=c.pk).street for c in made) == [f"{i} Mill Lane" for i in range(7)]


def test_reencrypt_seals_mfa_secrets_stored_in_clear(personas: Any, provider: Any) -> None:
    secret = enrol_totp(personas.rep_east)
    row = Authenticator.objects.get(user=personas.rep_east, type=Authenticator.Type.TOTP)
    assert row.data["secret"].startswith("bst1.") and secret not in str(row.data)
    Authenticator.objects.filter(pk=row.pk).update(data={"secret": secret})  # as stored before sealing existed
    assert enrol_totp(personas.rep_east) == secret  # still readable
    rotation.reencrypt()
    row.refresh_from_db()
    assert row.data["secret"].startswith("bst1.") and enrol_totp(personas.rep_east) == secret


def test_keys_commands(personas: Any, provider: Any) -> None:
    people(personas.rep_east, 2)
    out = StringIO()
    call_command("keys", "status", stdout=out)
    assert "current version: 1" in out.getvalue() and "directory.Contact.street: v1: 2" in out.getvalue()
    call_command("keys", "rotate", stdout=out)
    assert "Root key version 2 is current" in out.getvalue()
    call_command("keys", "reencrypt", "--batch-size", "1", stdout=out, stderr=StringIO())
    status = StringIO()
    call_command("keys", "status", stdout=status)
    assert "directory.Contact.street: v2: 2" in status.getvalue() and "root v2" in status.getvalue()

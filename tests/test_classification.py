"""DESIGN.md rule 5: every field of every Bastion model has a data classification, and restricted fields are encrypted."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from bastion.accounts.classification import SEALED_BY_APPLICATION
from bastion.kernel.crypto.classification import DataClass, class_of, classification_of, classify, fields_of, unclassified_fields
from bastion.kernel.crypto.fields import EncryptedMixin

LIBRARY_MODELS = ["auth.User", "mfa.Authenticator"]


def classified_models() -> list[type]:
    ours = [model for model in apps.get_models() if model.__module__.startswith("bastion.") and not model._meta.auto_created]
    return ours + [apps.get_model(label) for label in LIBRARY_MODELS]


def test_the_scan_covers_the_models_that_matter() -> None:
    labels = {model._meta.label for model in classified_models()}
    assert {"directory.Contact", "directory.ContactEmail", "accounts.ApiToken", "keystore.PersonKey", "auth.User"} <= labels


@pytest.mark.parametrize("model", classified_models(), ids=lambda model: model._meta.label)
def test_every_concrete_field_is_classified(model: type) -> None:
    assert unclassified_fields(model) == [], f"classify these fields of {model._meta.label}"
    names = {field.name for field in model._meta.get_fields()}
    assert set(classification_of(model)) <= names, "the classification names a field the model does not have"


@pytest.mark.parametrize("model", classified_models(), ids=lambda model: model._meta.label)
def test_restricted_fields_are_encrypted_at_rest(model: type) -> None:
    for name in fields_of(model, DataClass.RESTRICTED):
        field = model._meta.get_field(name)
        sealed_elsewhere = f"{model._meta.label}.{name}" in SEALED_BY_APPLICATION or model._meta.app_label == "keystore"
        assert isinstance(field, EncryptedMixin) or sealed_elsewhere, (
            f"{model._meta.label}.{name} is restricted but stored in clear"
        )


def test_encrypted_fields_are_restricted() -> None:
    for model in classified_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedMixin):
                assert class_of(model, field.name) == DataClass.RESTRICTED, field


def test_contacts_restrict_the_personal_data_the_issue_names() -> None:
    from bastion.directory.models import Contact, ContactEmail, ContactPhone

    restricted = set(fields_of(Contact, DataClass.RESTRICTED))
    assert {"street", "city", "postal_code", "country", "date_of_birth", "national_id", "private_notes"} <= restricted
    assert fields_of(ContactEmail, DataClass.RESTRICTED) == ["address"] and fields_of(ContactPhone, DataClass.RESTRICTED) == [
        "number"
    ]
    assert class_of(get_user_model(), "password") == DataClass.CONFIDENTIAL
    assert class_of(Contact, "no_such_field") == DataClass.RESTRICTED  # unknown means most sensitive


def test_a_field_cannot_be_classified_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        classify(internal=["id"], restricted=["id"])

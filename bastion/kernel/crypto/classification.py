"""Data classification of every model field (DESIGN.md rule 5), declared once and read by everyone.

A model declares its classification as a class attribute::

    class Contact(models.Model):
        data_classification = classify(public=[...], internal=[...], confidential=[...], restricted=[...])

Models Bastion does not own (``auth.User``, allauth's) are declared in a ``classification``
module of a Bastion app, as ``CLASSIFICATION = {"auth.User": classify(...)}``.

Encryption, masking, export and audit all ask this module: :func:`classification_of` for one
model, :func:`fields_of` for the fields of one class. Restricted fields must be encrypted at rest
(``tests/test_classification.py`` checks that, and that every concrete field of every Bastion
model is classified).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from bastion.kernel.app_modules import app_modules


class DataClass(enum.IntEnum):
    """Sensitivity, in increasing order (so ``>=`` compares)."""

    PUBLIC = 0  # may be published (a tag name shown on a public page)
    INTERNAL = 1  # staff only, harmless if leaked (timestamps, ids, choices)
    CONFIDENTIAL = 2  # business or personal data whose leak harms (names, job titles, company notes)
    RESTRICTED = 3  # personal data of a sensitive kind, or secrets: encrypted, masked, every reveal audited

    @property
    def label(self) -> str:
        return str(_LABELS[self])


_LABELS = {
    DataClass.PUBLIC: _("public"),
    DataClass.INTERNAL: _("internal"),
    DataClass.CONFIDENTIAL: _("confidential"),
    DataClass.RESTRICTED: _("restricted"),
}

Classification = Mapping[str, DataClass]


def classify(
    *,
    public: Iterable[str] = (),
    internal: Iterable[str] = (),
    confidential: Iterable[str] = (),
    restricted: Iterable[str] = (),
) -> Classification:
    """A read-only field → class mapping; a field named twice is an error."""
    result: dict[str, DataClass] = {}
    for data_class, names in (
        (DataClass.PUBLIC, public),
        (DataClass.INTERNAL, internal),
        (DataClass.CONFIDENTIAL, confidential),
        (DataClass.RESTRICTED, restricted),
    ):
        for name in names:
            if name in result:
                raise ValueError(f"field {name!r} is classified twice")
            result[name] = data_class
    return MappingProxyType(result)


@functools.cache
def _declared_elsewhere() -> dict[str, Classification]:
    """``CLASSIFICATION`` mappings of the ``<app>.classification`` modules of Bastion apps.

    Read once per process: the modules are code, and looking for the missing ones on every call
    (masking asks for the user model's classification once per row shown) cost milliseconds a row.
    """
    declared: dict[str, Classification] = {}
    for module in app_modules("classification"):
        declared.update(getattr(module, "CLASSIFICATION", {}))
    return declared


def classification_of(model: type[models.Model] | Any) -> Classification:
    """The declared classification of ``model`` (empty if it has none)."""
    own = getattr(model, "data_classification", None)
    if own is not None:
        return own
    return _declared_elsewhere().get(model._meta.label, MappingProxyType({}))


def class_of(model: type[models.Model] | Any, field_name: str) -> DataClass:
    """The class of one field; an unclassified field counts as restricted (fail closed)."""
    return classification_of(model).get(field_name, DataClass.RESTRICTED)


def fields_of(model: type[models.Model] | Any, data_class: DataClass) -> list[str]:
    """The names of ``model``'s fields of ``data_class``, in declaration order."""
    return [name for name, value in classification_of(model).items() if value == data_class]


def unclassified_fields(model: type[models.Model]) -> list[str]:
    """Concrete fields of ``model`` that have no class (for the coverage test)."""
    declared = classification_of(model)
    return [field.name for field in model._meta.concrete_fields if field.name not in declared]

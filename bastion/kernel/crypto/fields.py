"""Encrypted model fields: used like ordinary text and date fields, stored as sealed bytes.

A model declares whose data key protects the field with ``person=``: ``"pk"`` for the person's
own row, or the attribute holding the person's id (``"contact_id"``). Loading a row keeps the
ciphertext (:class:`Sealed`); it is decrypted the first time the attribute is read, and saving
an instance encrypts what was assigned. Values that were never read are written back as they
were. After crypto-shredding, a value reads as :class:`ErasedText` ("erased", translated).

The database never sees plaintext: filtering on an encrypted field, ``QuerySet.update()`` or
``bulk_update()`` with a plain value raise ``TypeError`` (search through a blind index instead).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext

from bastion.kernel.crypto import envelope, keyring
from bastion.kernel.crypto.errors import IntegrityError

_UNSET: Any = object()
_AD_CACHE = "_bastion_sealed_ad"  # instance attribute: person attribute -> (pk, person value, person, record AD part)


class Sealed(bytes):
    """A ciphertext as stored; shows as ``[encrypted]``, never as bytes."""

    def __str__(self) -> str:
        return "[encrypted]"

    def __repr__(self) -> str:
        return f"<Sealed {len(self)} bytes>"


class ErasedText(str):
    """What a restricted value reads as after its person was crypto-shredded ("erased", translated)."""


def erased() -> ErasedText:
    return ErasedText(gettext("erased"))


def is_erased(value: Any) -> bool:
    return isinstance(value, ErasedText)


class EncryptedAttribute(DeferredAttribute):
    """Decrypts on first read and keeps the plaintext on the instance.

    A data descriptor (it has ``__set__``), so that reads always pass through ``__get__`` even
    though the value lives in the instance's ``__dict__``.
    """

    def __init__(self, field: Any) -> None:
        super().__init__(field)
        self.attname = field.attname

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.attname] = value

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        values = instance.__dict__
        value = values.get(self.attname, _UNSET)
        if value is _UNSET:
            value = super().__get__(instance, cls)  # a deferred field: loaded from the database
        if type(value) is Sealed:
            value = values[self.attname] = self.field.open_value(instance, value)  # type: ignore[attr-defined]
        return value


class EncryptedMixin:
    """What every encrypted field shares; concrete classes say how plaintext maps to bytes."""

    descriptor_class = EncryptedAttribute
    _field_ad: bytes | None = None  # set on first read: the model is known by then
    _pk_name: str | None = None
    attname: str
    name: str
    model: type[models.Model]

    def __init__(self, *args: Any, person: str, **kwargs: Any) -> None:
        self.person_attr = person
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        kwargs["person"] = self.person_attr
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "BinaryField"

    # --- plaintext <-> bytes, per field type ----------------------------------------------
    def to_plain(self, value: Any) -> bytes:
        raise NotImplementedError

    def from_plain(self, data: bytes) -> Any:
        raise NotImplementedError

    # --- context ------------------------------------------------------------------------
    def person_of(self, instance: Any) -> uuid.UUID:
        value = instance.pk if self.person_attr == "pk" else getattr(instance, self.person_attr)
        if value is None:
            raise ValueError(f"{self.model._meta.label}.{self.name}: the record has no person ({self.person_attr}) yet")
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))

    def context(self, instance: Any) -> envelope.FieldContext:
        if instance.pk is None:
            raise ValueError(f"{self.model._meta.label}.{self.name}: encrypted fields need the primary key set before saving")
        label = self.__dict__.get("_label")
        if label is None:
            label = self.__dict__["_label"] = f"{self.model._meta.app_label}.{self.model._meta.model_name}"
        return envelope.FieldContext(label, self.name, str(instance.pk), self.person_of(instance))

    # --- reading and writing ----------------------------------------------------------------
    def open_value(self, instance: Any, sealed: Sealed) -> Any:
        person, record_part = self.record_ad(instance)
        try:
            plaintext = envelope.open_bound(self._field_ad or self.field_ad(), record_part, person, sealed)
        except IntegrityError as exc:
            raise IntegrityError(f"{self.context(instance).describe()} {exc}") from None
        return erased() if plaintext is None else self.from_plain(plaintext)

    def field_ad(self) -> bytes:
        """The associated data's per-field part, built once per field."""
        self._field_ad = envelope.field_ad(f"{self.model._meta.app_label}.{self.model._meta.model_name}", self.name)
        return self._field_ad

    def record_ad(self, instance: Any) -> tuple[uuid.UUID, bytes]:
        """The person and the associated data's per-record part, cached on the instance.

        The cache holds the very objects the primary key and the person attribute had when it was
        made and is used only while both are still those objects, so a changed primary key or
        person never reuses another record's binding.
        """
        values = instance.__dict__
        pk = values.get(self._pk_name or self._pk_attname())
        raw_person = pk if self.person_attr == "pk" else values.get(self.person_attr)
        cache = values.get(_AD_CACHE)
        if cache is None:
            cache = values[_AD_CACHE] = {}
        else:
            cached = cache.get(self.person_attr)
            if cached is not None and cached[0] is pk and cached[1] is raw_person:
                return cached[2], cached[3]
        if pk is None:
            raise ValueError(f"{self.model._meta.label}.{self.name}: encrypted fields need the primary key set before saving")
        person = self.person_of(instance)
        part = envelope.record_ad(str(pk), person)
        cache[self.person_attr] = (pk, raw_person, person, part)
        return person, part

    def _pk_attname(self) -> str:
        self._pk_name = str(self.model._meta.pk.attname)
        return self._pk_name

    def seal_value(self, instance: Any, value: Any) -> Sealed:
        """Encrypt ``value`` for this field of ``instance``: the associated data of :func:`envelope.seal`, built
        from the parts cached per field and per record (one value after another of a row, or rows in bulk)."""
        person, record_part = self.record_ad(instance)
        return Sealed(envelope.seal_bound(self._field_ad or self.field_ad(), record_part, person, self.to_plain(value)))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Sealed | None:
        return None if value is None else Sealed(bytes(value))

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if isinstance(value, Sealed):
            return value
        if is_erased(value):
            return Sealed(envelope.ERASED_MARKER)
        return self.seal_value(model_instance, value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, (bytes, memoryview)):  # noqa: UP038 - a tuple: a union is built on every call
            return None if value is None else bytes(value)
        raise TypeError(
            f"{self.model._meta.label}.{self.name} is encrypted: it cannot be compared in SQL or written "
            "without its record (save the instance, or search through its blind index)"
        )

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        value = self.get_prep_value(value)
        return None if value is None else connection.Database.Binary(value)

    def value_from_object(self, obj: Any) -> Any:
        """The stored ciphertext when not read yet: serialisers (dumpdata) never decrypt."""
        return obj.__dict__.get(self.attname)

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        sealed = value if isinstance(value, Sealed) else self.seal_value(obj, value)
        return sealed.hex()


class EncryptedTextField(EncryptedMixin, models.TextField):  # type: ignore[misc]
    """Text, encrypted at rest. ``max_length`` is validated, not enforced by the database."""

    def to_plain(self, value: Any) -> bytes:
        return ("" if value is None else str(value)).encode()

    def from_plain(self, data: bytes) -> str:
        return data.decode()

    def to_python(self, value: Any) -> Any:
        return value if isinstance(value, Sealed) else super().to_python(value)


class EncryptedDateField(EncryptedMixin, models.DateField):  # type: ignore[misc]
    """A date, encrypted at rest (stored as ISO text; no value is stored as empty text, also encrypted)."""

    def to_plain(self, value: Any) -> bytes:
        return b"" if value in (None, "") else self.to_python(value).isoformat().encode()

    def from_plain(self, data: bytes) -> dt.date | None:
        return dt.date.fromisoformat(data.decode()) if data else None

    def to_python(self, value: Any) -> Any:
        return value if isinstance(value, Sealed | ErasedText) else super().to_python(value)


_ENCRYPTED_FIELDS: dict[type[models.Model], list[EncryptedMixin]] = {}


def encrypted_fields(model: type[models.Model]) -> list[EncryptedMixin]:
    """The encrypted fields of ``model`` (concrete ones), computed once per model class."""
    found = _ENCRYPTED_FIELDS.get(model)
    if found is None:
        found = [field for field in model._meta.concrete_fields if isinstance(field, EncryptedMixin)]  # type: ignore[misc]
        _ENCRYPTED_FIELDS[model] = found
    return found


def preload_keys(objects: Iterable[Any]) -> None:
    """Fetch, in one key-store query per page, the data keys that reading ``objects`` will need.

    Only the wrapped keys are fetched; each is unwrapped when a value it protects is first read.
    """
    pairs: set[tuple[uuid.UUID, int]] = set()
    aead = envelope.FORMAT_AES_GCM
    for obj in objects:
        values = obj.__dict__
        persons: dict[str, uuid.UUID | None] = {}
        last: tuple[str, bytes] | None = None
        for field in encrypted_fields(type(obj)):
            value = values.get(field.attname)
            if type(value) is not Sealed or len(value) < 5 or value[0] != aead:
                continue
            head = (field.person_attr, value[1:5])
            if head == last:
                continue  # the usual case: every field of the row under the same person and key version
            last = head
            person = persons.get(field.person_attr, _UNSET)
            if person is _UNSET:
                try:
                    person = persons[field.person_attr] = field.person_of(obj)
                except ValueError:
                    person = persons[field.person_attr] = None  # reading the value raises the error where it belongs
            if person is not None:
                pairs.add((person, int.from_bytes(head[1], "big")))
    if pairs:
        keyring.preload(pairs)


def erase_values(queryset: models.QuerySet[Any]) -> int:
    """Overwrite every encrypted field of the rows of ``queryset`` with the erased marker; returns rows changed."""
    fields = encrypted_fields(queryset.model)
    if not fields:
        return 0
    marker = Sealed(envelope.ERASED_MARKER)
    return queryset.update(**{field.name: marker for field in fields})

"""Field-level security: which data classes a role sees and edits, and how hidden values are masked.

The kernel knows nothing of CRM objects. It works from each model's declared classification
(``bastion.kernel.crypto.classification``) and the role's policy (``roles.POLICIES``):

- a field is *shown* to a user when its class is at most the role's ``shown_up_to``, and
  *editable* when at most ``edits_up_to``; a user without a role sees nothing above internal
  and edits nothing (fail closed);
- a value that is not shown is replaced by a mask (:func:`mask_value`) that keeps enough to
  recognise a record (``j***@e***.com``, ``138****5678``) and never enough to use it.

Masking is applied in one place per output: :func:`masked` wraps model instances (and the
lists, pages and dataclasses holding them) in :class:`MaskedRecord`, a read-only view whose
hidden attributes read as masks. Templates and serializers read the wrapper as if it were the
model, so no template or serializer field decides on its own (docs/adr/0030).

The masks, by the shape of the value:

============================  ====================  =====================================
value                         example               mask
============================  ====================  =====================================
date                          1990-03-07            ``****-**-**`` (no year: age is personal)
email address                 jane@example.com      ``j***@e***.com``
phone number (8-15 digits)    13812345678           ``138****5678``
short number (< 8 digits)     200030                ``****30``
identifier (no spaces)        110101199003078888    ``****8888``
other text                    Room 5, 88 Main St    ``R***``
empty, or erased              ""                    unchanged
============================  ====================  =====================================
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import functools
import re
import types
import uuid
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from django.db import models

from bastion.kernel.access.roles import policy_of
from bastion.kernel.crypto.classification import DataClass, class_of, classification_of

STARS = "***"
_EMAIL = re.compile(r"^([^@\s]+)@([^@\s]+)$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]+(?:\s*(?:ext\.?|x|#|转|分机)\s*\d+)?$", re.IGNORECASE)
_IDENTIFIER = re.compile(r"^[0-9A-Za-z\-]{6,}$")


class MaskedText(str):
    """A masked value: a ``str`` (so templates, CSV and JSON print it) that knows it is masked."""

    masked = True


class FieldNotVisible(PermissionError):
    """A request used a field (to filter, sort or search) that the user's role may not see."""

    def __init__(self, param: str, field: str) -> None:
        super().__init__(f"{param}: {field}")
        self.param = param
        self.field = field


class FieldNotEditable(PermissionError):
    """A write named fields the user's role may not change."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


# --- policy --------------------------------------------------------------------------------


def shown_up_to(user: Any) -> DataClass:
    """The highest data class ``user`` sees unmasked (internal for a user without a role)."""
    policy = policy_of(user)
    if policy is None or policy.shown_up_to is None:
        return DataClass.INTERNAL
    return policy.shown_up_to


def edits_up_to(user: Any) -> DataClass | None:
    """The highest data class ``user`` may write, or None."""
    policy = policy_of(user)
    return None if policy is None else policy.edits_up_to


def may_reveal(user: Any) -> bool:
    """Whether ``user``'s role may deliberately reveal a masked restricted value (audited, rate-limited)."""
    policy = policy_of(user)
    return bool(policy and policy.reveals_restricted)


def can_see_field(user: Any, model: Any, field: str) -> bool:
    return class_of(model, field) <= shown_up_to(user)


def can_edit_field(user: Any, model: Any, field: str) -> bool:
    limit = edits_up_to(user)
    return limit is not None and class_of(model, field) <= limit


def hidden_fields(user: Any, model: Any) -> frozenset[str]:
    """The classified fields of ``model`` (a model class or instance) that ``user`` sees masked."""
    return _hidden_for(model if isinstance(model, type) else type(model), shown_up_to(user))


def require_visible(user: Any, param: str, model: Any, field: str) -> None:
    """Refuse (``FieldNotVisible``) a filter, sort or search on a field ``user`` cannot see."""
    if not can_see_field(user, model, field):
        raise FieldNotVisible(param, field)


def refuse_unwritable(user: Any, fields: Iterable[tuple[str, Any, str]]) -> None:
    """``fields``: (input name, model, model field). Raise ``FieldNotEditable`` naming every one ``user`` may not write."""
    refused = [name for name, model, field in fields if not can_edit_field(user, model, field)]
    if refused:
        raise FieldNotEditable(sorted(set(refused)))


# --- masks ---------------------------------------------------------------------------------


def _is_erased(value: Any) -> bool:
    from bastion.kernel.crypto.fields import is_erased

    return bool(is_erased(value))


def mask_value(value: Any) -> Any:
    """The mask of one value (see the module docstring); empty and erased values are returned as they are."""
    if value is None or value == "" or isinstance(value, MaskedText) or _is_erased(value):
        return value
    if isinstance(value, datetime.date):
        return MaskedText("****-**-**")
    text = str(value).strip()
    email = _EMAIL.match(text)
    if email:
        local, domain = email.groups()
        top = domain.rsplit(".", 1)[1] if "." in domain else ""
        return MaskedText(f"{local[0]}{STARS}@{domain[0]}{STARS}" + (f".{top}" if top else ""))
    digits = re.sub(r"\D", "", text)
    if _PHONE.match(text) and 5 <= len(digits) <= 15:  # E.164 numbers have at most 15 digits
        if len(digits) >= 8:
            return MaskedText(f"{digits[:3]}****{digits[-4:]}")
        return MaskedText(f"****{digits[-2:]}")
    if _IDENTIFIER.match(text) and any(ch.isdigit() for ch in text):
        return MaskedText(f"****{text[-4:]}")
    return MaskedText(f"{text[0]}{STARS}")


def is_masked(value: Any) -> bool:
    return isinstance(value, MaskedText)


# --- wrappers -----------------------------------------------------------------------------


class MaskedList(list[Any]):
    """A related manager's rows, masked; ``.all()`` and ``.count()`` work as on the manager."""

    def all(self) -> MaskedList:
        return self

    def count(self) -> int:  # type: ignore[override]
        return len(self)

    def exists(self) -> bool:
        return bool(self)


class MaskedRecord:
    """A read-only view of a model instance in which the fields ``user`` may not see read as masks.

    Properties, methods and ``__str__`` of the model run against the wrapper, so a value derived
    from a hidden field (an address's lines, a ``tel:`` link, ``get_full_name()``, a
    ``get_FOO_display()``) is derived from the mask; methods that write are refused. Related rows
    and related objects are wrapped too. ``masked_fields`` lists the hidden fields that hold a
    value (for a "reveal" button).

    The role's limit is read once when the wrapper is made (and handed to the wrappers of
    related records), and the hidden fields come from :func:`_hidden_for`, computed once per
    model and limit: nothing read from a record is kept beyond the wrapper itself.
    """

    __slots__ = ("_hidden", "_limit", "_obj", "_user")

    def __init__(self, obj: models.Model, user: Any, limit: DataClass | None = None) -> None:
        if limit is None:
            limit = shown_up_to(user)
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_user", user)
        object.__setattr__(self, "_limit", limit)
        object.__setattr__(self, "_hidden", _hidden_for(type(obj), limit))

    def __getattr__(self, name: str) -> Any:
        obj = self._obj
        derived = _DERIVED.get((type(obj), name), _UNKNOWN)
        if derived is _UNKNOWN:
            derived = _derived_of(type(obj), name)
        if derived is not None:
            return derived(self)  # a property or cached property, computed from the wrapper
        value = getattr(obj, name)
        if name in self._hidden:
            return mask_value(value)
        kind = type(value)
        if kind in _PLAIN:
            return value  # a plain value holds no record (the common case: skip masked()'s checks)
        if kind is types.MethodType or kind is functools.partial:
            return self._method(name, value)
        return masked(self._user, value, self._limit)

    # Attribute ``name`` as the user may see it: what ``wrapper.name`` reads, called directly, which
    # skips Python's failed ordinary lookup before ``__getattr__`` (the serializers read this way).
    _read = __getattr__

    def _method(self, name: str, method: Any) -> Any:
        """A method of the record, run against this wrapper so that what it reads is masked too.

        ``get_full_name()`` or a ``get_FOO_display()`` on the record itself would read the hidden
        values; bound to the wrapper they read the masks. Methods that write or re-read the record
        are refused: act on :attr:`unmasked` in an action instead.
        """
        obj, bound = self._obj, method.func if type(method) is functools.partial else method
        if type(bound) is not types.MethodType or bound.__self__ is not obj:
            return method  # a class method, or a callable held by the record: no record behind it
        if name in _WRITES:
            raise AttributeError(f"a masked record is read-only: {name}() needs the record itself (in an action)")
        rebound = types.MethodType(bound.__func__, self)
        if type(method) is functools.partial:
            return functools.partial(rebound, *method.args, **method.keywords)
        return rebound

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a masked record is read-only")

    def __str__(self) -> str:
        to_text: Any = type(self._obj).__str__
        return str(to_text(self))

    def __repr__(self) -> str:
        return f"<MaskedRecord {self._obj._meta.label} {self._obj.pk}>"

    def __eq__(self, other: object) -> bool:
        other_obj = other._obj if isinstance(other, MaskedRecord) else other
        return bool(self._obj == other_obj)

    def __hash__(self) -> int:
        return hash(self._obj)

    @property
    def masked_fields(self) -> frozenset[str]:
        """Hidden fields of this record that hold a value (empty ones have nothing to reveal)."""
        return frozenset(name for name in self._hidden if getattr(self._obj, name, None) not in (None, ""))

    @property
    def unmasked(self) -> models.Model:
        """The model instance itself (for code that must act on it, never for output)."""
        return self._obj


# Types whose values are never records nor hold any: masked() returns them unchanged.
_PLAIN: frozenset[type] = frozenset(
    {str, int, float, bool, type(None), uuid.UUID, datetime.date, datetime.datetime, decimal.Decimal}
)
_UNKNOWN: Any = object()
# Methods that change or reload a record: never through its masked view.
_WRITES: frozenset[str] = frozenset(
    {"save", "asave", "save_base", "delete", "adelete", "refresh_from_db", "arefresh_from_db"}
    | {"full_clean", "clean", "clean_fields"}
)
_DERIVED: dict[tuple[type, str], Any] = {}  # (model class, attribute) -> getter run against the wrapper, or None


def _derived_of(model: type, name: str) -> Any:
    """The function computing attribute ``name`` of ``model`` when it is a property or cached property, else None.

    Depends on the class only (code, not data), so it is kept per process.
    """
    declared = getattr(model, name, None)
    getter: Any = None
    if isinstance(declared, property) and declared.fget is not None:
        getter = declared.fget
    elif isinstance(declared, cached_property):
        getter = declared.func
    _DERIVED[(model, name)] = getter
    return getter


@functools.cache
def _hidden_for(model: type, limit: DataClass) -> frozenset[str]:
    """The classified fields of ``model`` above ``limit``: a role's mask plan for one model.

    Classifications are code (declared on the model or in an app's ``classification`` module,
    read once per process), so the plan is computed once per model and limit.
    """
    return frozenset(name for name, level in classification_of(model).items() if level > limit)


def masked(user: Any, value: Any, limit: DataClass | None = None) -> Any:
    """``value`` as ``user`` may see it: instances wrapped, containers of instances rebuilt; anything else unchanged.

    ``limit`` is ``shown_up_to(user)`` when the caller already knows it (the wrappers pass theirs on).
    """
    kind = type(value)
    if kind in _PLAIN or kind is MaskedRecord or kind is MaskedList:
        return value
    if isinstance(value, MaskedRecord | MaskedList):
        return value
    if isinstance(value, models.Model):
        return MaskedRecord(value, user, limit)
    if isinstance(value, models.Manager):
        if limit is None:
            limit = shown_up_to(user)
        return MaskedList(masked(user, row, limit) for row in value.all())
    if isinstance(value, list | tuple) and any(isinstance(row, models.Model) for row in value):
        if limit is None:
            limit = shown_up_to(user)
        return MaskedList(masked(user, row, limit) for row in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: masked(user, getattr(value, f.name), limit)
            for f in dataclasses.fields(value)
            if f.init and _holds_records(getattr(value, f.name))
        }
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _holds_records(value: Any) -> bool:
    if isinstance(value, models.Model | models.Manager):
        return True
    return isinstance(value, list | tuple) and any(isinstance(row, models.Model) for row in value)


def masked_context(user: Any, context: dict[str, Any]) -> dict[str, Any]:
    """A template context with every record (and page or list of records) masked for ``user``."""
    return {key: masked(user, value) for key, value in context.items()}

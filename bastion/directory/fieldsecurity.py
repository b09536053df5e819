"""Which model field each directory search, filter and input touches, checked against the user's role.

The rules live in ``bastion.kernel.access.masking`` (by data class); this module only knows the
directory's shapes: a search box value that is an email address searches ``ContactEmail.address``
through its blind index, a phone number ``ContactPhone.number``; the ``emails`` and ``phones``
inputs write those fields; every other input key is a field of the record itself.

Searching by an exact email address or phone number is allowed to a role that sees those fields
or may reveal them (it looks up a value the user already holds, and each search is rate-limited);
any other role is refused, so the search cannot serve as an oracle that tells whose address a
value is (docs/adr/0030).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from bastion.directory.models import Company, Contact, ContactEmail, ContactPhone
from bastion.directory.names import query_key
from bastion.directory.selectors import is_phone_query
from bastion.kernel.access.masking import FieldNotVisible, can_see_field, may_reveal, refuse_unwritable

RELATED_INPUTS: dict[str, tuple[Any, str]] = {"emails": (ContactEmail, "address"), "phones": (ContactPhone, "number")}
FIELD_LABELS = {"address": "email", "number": "phone"}


def searched_field(text: str) -> tuple[Any, str] | None:
    """The restricted field a contact search for ``text`` looks in (email or phone), or None for a name search."""
    key = query_key(text)
    if not key:
        return None
    if "@" in key:
        return ContactEmail, "address"
    if is_phone_query(text):
        return ContactPhone, "number"
    return None


def check_contact_search(user: Any, text: str, param: str = "q") -> None:
    """Refuse (``FieldNotVisible``) a contact search by a field the user may neither see nor reveal."""
    target = searched_field(text)
    if target is None:
        return
    model, field = target
    if not (can_see_field(user, model, field) or may_reveal(user)):
        raise FieldNotVisible(param, FIELD_LABELS.get(field, field))


def refusal_message(error: FieldNotVisible) -> str:
    """The message a refused search shows, naming the parameter and the field (never the value)."""
    return _("%(param)s: your role cannot search by %(field)s, because it may not see that field.") % {
        "param": error.param,
        "field": error.field,
    }


def _inputs(model: Any, data: Mapping[str, Any]) -> list[tuple[str, Any, str]]:
    fields = []
    for name in data:
        related = RELATED_INPUTS.get(name) if model is Contact else None
        fields.append((name, *related) if related else (name, model, name))
    return fields


def check_write(user: Any, model: type[Company] | type[Contact], data: Mapping[str, Any]) -> None:
    """Refuse (``FieldNotEditable``, naming every field) input the user's role may not write."""
    refuse_unwritable(user, _inputs(model, data))

"""Cleaning of interaction events (ADR 0042): the person, the kind, when, the properties, the source.

Each function records what is wrong in an :class:`~bastion.directory.validation.Errors` collector
under the field's name with a ``prefix`` (``events[3].`` in a batch), so one refused request names
every problem and where it is.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.directory.names import search_key
from bastion.directory.validation import Errors, single_line
from bastion.engagement.models import InteractionKind
from bastion.kernel import cardnumbers

MAX_PROPERTIES = 20
MAX_VALUE_LENGTH = 500
MAX_PROPERTIES_BYTES = 4096
MAX_TOPIC_LENGTH = 60
MAX_SOURCE_LENGTH = 64
MAX_PRODUCT_REFERENCE = 64
FUTURE_SLACK = dt.timedelta(minutes=5)  # clocks of the systems that send events drift a little
MAX_NUMBER = 10**15
EVENT_FIELDS = frozenset({"contact", "lead", "kind", "occurred_at", "properties", "source"})
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class CleanEvent:
    """One valid event, before the person and the product are looked up."""

    person_field: str
    person_id: Any
    kind: str
    occurred_at: dt.datetime
    properties: dict[str, Any]
    source: str
    topic: str
    product_reference: str


def clean_kind(value: Any, field: str, errors: Errors) -> str:
    kind = str(value or "")
    if kind not in InteractionKind.values:
        errors.add(field, _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(InteractionKind.values)})
    return kind


def clean_moment(value: Any, field: str, errors: Errors, now: dt.datetime) -> dt.datetime:
    """When it happened: an ISO 8601 time (default now), not more than a few minutes in the future."""
    if value in (None, ""):
        return now
    moment = value if isinstance(value, dt.datetime) else None
    if moment is None:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            errors.add(field, _("Enter a date and time such as 2026-12-01T14:30:00Z."))
            return now
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + FUTURE_SLACK:
        errors.add(field, _("This time is in the future; send when the interaction happened."))
    return moment


def _clean_value(key: str, value: Any, field: str, errors: Errors) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if not (math.isfinite(value) and abs(value) <= MAX_NUMBER):
            errors.add(field, _("The number of “%(key)s” is too large.") % {"key": key})
        return value
    if not isinstance(value, str):
        errors.add(field, _("The value of “%(key)s” must be text, a number or true/false.") % {"key": key})
        return None
    text = _CONTROL.sub(" ", value).strip()
    if len(text) > MAX_VALUE_LENGTH:
        errors.add(field, _("The value of “%(key)s” can be at most %(max)d characters.") % {"key": key, "max": MAX_VALUE_LENGTH})
    card = cardnumbers.first_in(text)
    if card is not None:
        errors.add(field, cardnumbers.refusal(_("The value of “%(key)s”") % {"key": key}, card))
    return text


def _check_url(value: Any, field: str, errors: Errors) -> None:
    if value is not None and not (isinstance(value, str) and re.match(r"^https?://[^\s/]+", value, re.IGNORECASE)):
        errors.add(field, _("The url must be a web address starting with http:// or https://."))


def clean_properties(value: Any, field: str, errors: Errors) -> dict[str, Any]:
    """A flat object of at most 20 short values (text, numbers, true/false), 4 KB in all."""
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        errors.add(field, _("Give the properties as an object of names and values."))
        return {}
    if len(value) > MAX_PROPERTIES:
        errors.add(field, _("At most %(max)d properties.") % {"max": MAX_PROPERTIES})
        return {}
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not _KEY.match(key):
            errors.add(field, _("“%(key)s” is not a property name: use letters, digits and _ (at most 40).") % {"key": key})
            continue
        cleaned[key] = _clean_value(key, item, f"{field}.{key}", errors)
    _check_url(cleaned.get("url"), f"{field}.url", errors)
    if len(json.dumps(cleaned, ensure_ascii=False).encode()) > MAX_PROPERTIES_BYTES:
        errors.add(field, _("The properties can be at most %(max)d bytes in all.") % {"max": MAX_PROPERTIES_BYTES})
    return cleaned


def topic_of(properties: Mapping[str, Any], field: str, errors: Errors) -> str:
    """``properties.topic`` as a search key (case, accents and spaces folded), at most 60 characters."""
    value = properties.get("topic")
    if value is None:
        return ""
    topic = search_key(str(value))
    if len(topic) > MAX_TOPIC_LENGTH:
        errors.add(f"{field}.topic", _("A topic can be at most %(max)d characters.") % {"max": MAX_TOPIC_LENGTH})
    return topic


def product_reference_of(properties: Mapping[str, Any], field: str, errors: Errors) -> str:
    value = properties.get("product")
    if value is None:
        return ""
    reference = str(value).strip()
    if not reference or len(reference) > MAX_PRODUCT_REFERENCE:
        errors.add(f"{field}.product", _("Name a product of the catalogue by its id or SKU."))
    return reference


def _person(data: Mapping[str, Any], prefix: str, errors: Errors) -> tuple[str, Any]:
    given = [name for name in ("contact", "lead") if data.get(name) not in (None, "")]
    if len(given) != 1:
        errors.add(f"{prefix}contact", _("Give exactly one of contact or lead: the person this is about."))
        return "contact", None
    return given[0], data[given[0]]


def clean_event(data: Any, prefix: str, errors: Errors, now: dt.datetime) -> CleanEvent | None:
    """One event from its fields (``contact`` or ``lead``, ``kind``, ``occurred_at``, ``properties``, ``source``)."""
    if not isinstance(data, Mapping):
        errors.add(prefix.rstrip(".") or "non_field_errors", _("Give each event as an object."))
        return None
    mine = Errors()
    for name in sorted(set(data) - EVENT_FIELDS, key=str):
        mine.add(f"{prefix}{name}", _("Unknown field."))
    person_field, person_id = _person(data, prefix, mine)
    properties = clean_properties(data.get("properties"), f"{prefix}properties", mine)
    event = CleanEvent(
        person_field=person_field,
        person_id=person_id,
        kind=clean_kind(data.get("kind"), f"{prefix}kind", mine),
        occurred_at=clean_moment(data.get("occurred_at"), f"{prefix}occurred_at", mine, now),
        properties=properties,
        source=single_line(data.get("source"), f"{prefix}source", MAX_SOURCE_LENGTH, mine, label=_("Source")),
        topic=topic_of(properties, f"{prefix}properties", mine),
        product_reference=product_reference_of(properties, f"{prefix}properties", mine),
    )
    for field, messages in mine.by_field.items():
        for message in messages:
            errors.add(field, message)
    return None if mine else event

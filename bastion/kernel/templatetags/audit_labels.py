"""What a person reads for the identifiers an audit event stores (the auditor's list, a record's history).

The stored values stay as they are (they are hashed into the chain); these filters only name
them: a target type that is a model (``directory.contact``) by its verbose name, and changed
fields by their labels, in the reader's language. Anything else (``route:...``, ``accounts.login``,
a field since removed) is shown as stored.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Changed "fields" that are not fields of the target's model: what the writing action records
# beside its own columns (a member's role and teams live on their membership; an interaction keeps
# the names of its properties, not their values; deleting a company counts the contacts it unlinks).
RECORDED_NOT_FIELDS = {
    "role": _("role"),
    "teams": _("teams"),
    "property_names": _("property names"),
    "contacts_unlinked": _("contacts unlinked"),
}


def _model(target_type: str) -> type[models.Model] | None:
    if target_type.count(".") != 1:
        return None
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


# Targets that are not models: what an event is about when it is not a record.
NOT_MODELS = {
    "kernel.audit_log": _("audit trail"),
    "kernel.audit_signing_key": _("audit signing key"),
    "accounts.login": _("sign-in attempt"),
    "setting": _("setting"),
    "keystore.root_key": _("root key"),
    "keystore.person_key": _("person's data key"),
    "keystore.data_key_version": _("data key version"),
    "keystore.blind_index_key": _("blind index key"),
}


@register.filter
def target_label(target_type: str) -> str:
    """``directory.contact`` → "contact" (translated), ``setting`` → "setting"; anything else (a refused
    route, a kind since removed) as stored."""
    model = _model(target_type or "")
    if model is not None:
        return str(model._meta.verbose_name)
    return str(NOT_MODELS.get(target_type, target_type))


def _field_label(model: type[models.Model] | None, name: str) -> str:
    if model is None:
        return name
    try:
        field: Any = model._meta.get_field(name)
    except FieldDoesNotExist:
        return str(RECORDED_NOT_FIELDS.get(name, name))
    if hasattr(field, "verbose_name"):
        return str(field.verbose_name)
    return str(field.related_model._meta.verbose_name_plural)  # a reverse relation: a contact's emails


@register.filter
def changed_field_labels(event: Any) -> str:
    """The labels of the fields ``event`` records as changed, comma-separated."""
    model = _model(event.target_type or "")
    return ", ".join(_field_label(model, name) for name in event.changes or {})

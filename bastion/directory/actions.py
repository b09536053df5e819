"""Every change to companies and contacts (DESIGN.md rule 1).

Each action runs in one transaction and: checks the actor may change customer records,
cleans and validates all input (raising one ``ValidationError`` whose ``message_dict`` names
every bad field), writes, sets ``created_by``/``updated_by``, re-checks inside the
transaction that the actor can still see the record (rule 4), and passes the field-level
change set to :func:`_record`, where the audit trail will be written (rule 6).

Input is a mapping of field name to value, as a form's ``cleaned_data`` or a serializer's
``validated_data`` gives it. Updates are partial: absent keys keep their value.

Emails and phones are indexed in blind indexes (bastion.kernel.crypto.blind) before the contact
is written. Erasing a person's data (crypto-shredding) is in :mod:`bastion.directory.actions_erase`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bastion.accounts.selectors import default_team_of, record_teams_for
from bastion.directory import selectors, validation
from bastion.directory.access import access_company_by_id, access_contact_by_id, parse_uuid
from bastion.directory.models import (
    EMAIL_SCOPE,
    PHONE_SCOPE,
    Company,
    CompanySize,
    Contact,
    ContactEmail,
    ContactPhone,
    EmailLabel,
    Industry,
    Language,
    PhoneLabel,
    Tag,
)
from bastion.directory.names import has_cjk, search_key
from bastion.directory.written import ADDRESS_FIELDS, Snapshot, Written, keep_related, snapshot_written
from bastion.directory.written import snapshot as _snapshot
from bastion.kernel.access.scoping import can_change_customer_records
from bastion.kernel.audit.cascade import record_delete_effects
from bastion.kernel.audit.changes import diff
from bastion.kernel.crypto import blind

ChangeSet = dict[str, dict[str, Any]]

COMPANY_FIELDS = frozenset({"name", "domain", "industry", "size", *ADDRESS_FIELDS, "owner", "team", "tags", "notes"})
CONTACT_FIELDS = frozenset(
    {"given_name", "family_name", "job_title", "company", "emails", "phones", "preferred_language"}
    | {*ADDRESS_FIELDS, "owner", "team", "tags", "notes", "date_of_birth", "national_id", "private_notes"}
)
REDACTED = "[restricted]"
# The choice lists, made once (``Choices.choices`` builds a new list on every access; labels stay lazy, so
# messages are still in the language of the request).
_LANGUAGES, _EMAIL_LABELS, _PHONE_LABELS = Language.choices, EmailLabel.choices, PhoneLabel.choices
_INDUSTRIES, _SIZES = Industry.choices, CompanySize.choices


class ActionNotAllowed(PermissionDenied):
    """The actor's role may not change customer records (a 403 in views and the API)."""


class NotVisibleAfterWrite(PermissionDenied):
    """The change would leave the actor unable to see the record; it is rolled back."""


# --- shared steps ----------------------------------------------------------------------


def _require_writer(actor: Any) -> None:
    if not can_change_customer_records(actor):
        raise ActionNotAllowed(_("Your role does not allow changing companies or contacts."))


def _ensure_visible(actor: Any, model: type[Company] | type[Contact], pk: Any) -> None:
    if not model.objects.visible_to(actor).filter(pk=pk).exists():
        raise NotVisibleAfterWrite(_("After this change you could no longer see the record, so it was not saved."))


def _label(model: type[models.Model], name: str) -> str:
    return _label_in(model, name, get_language())


@functools.lru_cache(maxsize=512)
def _label_in(model: type[models.Model], name: str, language: str | None) -> str:
    """A field's label in ``language`` (cached: cleaning asks for it per field per record, bulk imports per row)."""
    return str(model._meta.get_field(name).verbose_name).capitalize()  # type: ignore[union-attr]


def _max_length(model: type[models.Model], name: str) -> int:
    return int(model._meta.get_field(name).max_length or 0)  # type: ignore[union-attr]


def _check_fields(data: Mapping[str, Any], allowed: frozenset[str], errors: validation.Errors) -> None:
    for name in sorted(set(data) - allowed):
        errors.add(name, _("Unknown field."))


def _clean_text_fields(
    model: type[Company] | type[Contact], data: Mapping[str, Any], names: tuple[str, ...], errors: validation.Errors
) -> dict[str, str]:
    return {
        name: validation.single_line_lazy(
            data[name], name, _max_length(model, name), errors, functools.partial(_label, model, name)
        )
        for name in names
        if name in data
    }


def _resolve_owner(value: Any, errors: validation.Errors, current: Any) -> Any:
    """A colleague who may own records; the current owner may stay even if they no longer could."""
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    if current is not None and str(pk) == str(current.owner_id):
        return current.owner
    owner = selectors.assignable_owners().filter(pk=pk).first() if str(pk).isdigit() else None
    if owner is None:
        errors.add("owner", _("Choose an active colleague whose role can own records."))
    return owner


def _resolve_team(actor: Any, value: Any, errors: validation.Errors, current: Any) -> Any:
    """One of the actor's own or managed teams (any, for administrators); the current team may stay."""
    if value in (None, ""):
        return None
    pk = parse_uuid(getattr(value, "pk", value))
    if current is not None and pk is not None and str(pk) == str(current.team_id):
        return current.team
    team = record_teams_for(actor).filter(pk=pk).first() if pk else None
    if team is None:
        errors.add("team", _("Choose one of your teams, or a team you manage."))
    return team


def _resolve_company(actor: Any, value: Any, errors: validation.Errors) -> Company | None:
    if value in (None, ""):
        return None
    pk = parse_uuid(getattr(value, "pk", value))
    company = selectors.company_queryset(actor).filter(pk=pk).only("id", "name").first() if pk else None
    if company is None:  # unknown and invisible companies get the same answer
        errors.add("company", _("Choose a company that exists and that you can see."))
    return company


def _tag_objects(names: list[str]) -> list[Tag]:
    tags = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(key=search_key(name), defaults={"name": name})
        tags.append(tag)
    return tags


def _common(
    actor: Any, model: type[Company] | type[Contact], data: Mapping[str, Any], errors: validation.Errors, current: Any
) -> dict[str, Any]:
    """Address, owner, tags and notes, which companies and contacts share."""
    fields: dict[str, Any] = _clean_text_fields(model, data, ADDRESS_FIELDS, errors)
    if "owner" in data:
        fields["owner"] = _resolve_owner(data["owner"], errors, current)
    if "team" in data:
        fields["team"] = _resolve_team(actor, data["team"], errors, current)
    if "tags" in data:
        fields["tags"] = validation.tags(data["tags"], errors)
    if "notes" in data:
        fields["notes"] = validation.multi_line(data["notes"], "notes", errors, label=_label(model, "notes"))
    return fields


_UNSET: Any = object()


def _default_owner_and_team(
    actor: Any, data: Mapping[str, Any], fields: dict[str, Any], creating: bool, actor_team: Any = _UNSET
) -> None:
    """A new record belongs to the actor unless ``owner`` is given, and, unless ``team`` is given, to the
    actor's first team (the owner's, when the actor has none: an administrator filing it for a rep).
    ``actor_team``: the actor's default team when the caller already looked it up (bulk actions)."""
    if not creating:
        return
    if "owner" not in data:
        fields["owner"] = actor
    if "team" not in data:
        team = default_team_of(actor) if actor_team is _UNSET else actor_team
        owner = fields.get("owner")
        fields["team"] = team or (None if _same_user(owner, actor) else default_team_of(owner))


def _same_user(owner: Any, actor: Any) -> bool:
    """Whether ``owner`` is the actor (whose default team was just looked up: asking again gives the same None)."""
    return owner is actor or (owner is not None and actor is not None and owner.pk is not None and owner.pk == actor.pk)


# --- the audit hook ------------------------------------------------------------------------


def _record(actor: Any, verb: str, obj: Company | Contact, before: Snapshot | None, after: Snapshot | None = None) -> ChangeSet:
    """The audit hook: compute the field-level change set of ``verb`` on ``obj`` and return it.

    ``before`` is the snapshot taken before the change (None for a create); the state after
    is ``after`` when the caller made it from what it just wrote, else read now (none for a
    delete, which must call this before deleting). The audit event (bastion/directory/audit.py:
    restricted values recorded only as changed) is written in the caller's transaction.
    """
    from bastion.directory.audit import record_change

    if after is None and not verb.endswith(".deleted"):
        after = _snapshot(obj)
    changes = diff(before, after)
    record_change(actor, verb, obj, changes)
    return changes


# --- companies --------------------------------------------------------------------------------


def _clean_company(actor: Any, data: Mapping[str, Any], current: Company | None, actor_team: Any = _UNSET) -> dict[str, Any]:
    """The cleaned fields of ``data`` for a new company (``current`` None) or for ``current``."""
    creating = current is None
    errors = validation.Errors()
    _check_fields(data, COMPANY_FIELDS, errors)
    fields = _clean_text_fields(Company, data, ("name",), errors)
    if (creating and "name" not in data) or fields.get("name") == "":
        errors.add("name", _("Enter the company's name."))
    if "domain" in data:
        fields["domain"] = validation.domain(data["domain"], errors)
    for name, choices in (("industry", _INDUSTRIES), ("size", _SIZES)):
        if name in data:
            fields[name] = validation.choice(data[name], name, choices, errors, label=_label(Company, name).lower())
    fields.update(_common(actor, Company, data, errors, current))
    _default_owner_and_team(actor, data, fields, creating, actor_team)
    errors.raise_if_any()
    return fields


def _save(actor: Any, obj: Company | Contact, fields: dict[str, Any]) -> list[Tag] | None:
    """Assign cleaned ``fields`` (tags apart), validate the model, save, then set the tags; returns those (None: unchanged)."""
    tags = fields.pop("tags", None)
    for name, value in fields.items():
        setattr(obj, name, value)
    creating = obj._state.adding
    if creating:
        obj.created_by = actor
    obj.updated_by = actor
    obj.full_clean(exclude=["owner", "team", "company", "created_by", "updated_by", "tags"], validate_unique=False)
    obj.save()
    if tags is None:
        return None
    objects = _tag_objects(tags)
    if creating:  # no tags yet: nothing to compare with
        obj.tags.add(*objects)
    else:
        obj.tags.set(objects)
    return objects


@transaction.atomic
def create_company(actor: Any, data: Mapping[str, Any]) -> Company:
    """Create a company from ``data`` (``name`` required); the actor owns it unless ``owner`` is given."""
    _require_writer(actor)
    company = Company()
    _save(actor, company, _clean_company(actor, data, None))
    _ensure_visible(actor, Company, company.pk)
    _record(actor, "company.created", company, None)
    return company


@transaction.atomic
def update_company(actor: Any, company_id: Any, data: Mapping[str, Any]) -> Company:
    """Change the fields of ``company_id`` given in ``data``; a change that changes nothing writes nothing."""
    _require_writer(actor)
    company = access_company_by_id(actor, company_id, for_write=True, lock=True)
    fields = _clean_company(actor, data, company)
    before = _snapshot(company)
    if not _would_change(company, fields, before):
        return company
    _save(actor, company, fields)
    _ensure_visible(actor, Company, company.pk)
    _record(actor, "company.updated", company, before)
    return company


@transaction.atomic
def delete_company(actor: Any, company_id: Any) -> ChangeSet:
    """Delete ``company_id``. Its contacts are kept and no longer linked to a company."""
    _require_writer(actor)
    company = access_company_by_id(actor, company_id, for_write=True, lock=True)
    before = _snapshot(company)
    before["contacts_unlinked"] = Contact.objects.filter(company=company).count()
    changes = _record(actor, "company.deleted", company, before)
    record_delete_effects(actor, company)
    company.delete()
    return changes


# --- contacts ------------------------------------------------------------------------------------


def _clean_contact(actor: Any, data: Mapping[str, Any], current: Contact | None, actor_team: Any = _UNSET) -> dict[str, Any]:
    """The cleaned fields of ``data`` for a new contact (``current`` None) or for ``current``."""
    creating = current is None
    errors = validation.Errors()
    _check_fields(data, CONTACT_FIELDS, errors)
    fields: dict[str, Any] = _clean_text_fields(Contact, data, ("given_name", "family_name", "job_title"), errors)
    if "company" in data:
        fields["company"] = _resolve_company(actor, data["company"], errors)
    if "preferred_language" in data:
        fields["preferred_language"] = validation.choice(
            data["preferred_language"], "preferred_language", _LANGUAGES, errors, label=_("preferred language")
        )
        if not creating and not fields["preferred_language"] and "preferred_language" not in errors.by_field:
            errors.add("preferred_language", _("Choose a preferred language."))
    if "emails" in data:
        fields["emails"] = validation.emails(data["emails"], _EMAIL_LABELS, errors)
    if "phones" in data:
        fields["phones"] = validation.phones(data["phones"], _PHONE_LABELS, errors)
    fields.update(_common(actor, Contact, data, errors, current))
    _default_owner_and_team(actor, data, fields, creating, actor_team)
    fields.update(_clean_personal(data, errors))
    if creating and not fields.get("preferred_language"):
        chinese = has_cjk(fields.get("given_name", "") + fields.get("family_name", ""))
        fields["preferred_language"] = "zh-hans" if chinese else "en"
    errors.raise_if_any()
    return fields


def _clean_personal(data: Mapping[str, Any], errors: validation.Errors) -> dict[str, Any]:
    """Date of birth, national ID number and private notes (all restricted, encrypted at rest)."""
    fields: dict[str, Any] = {}
    if "date_of_birth" in data:
        fields["date_of_birth"] = validation.birth_date(data["date_of_birth"], errors)
    if "national_id" in data:
        fields["national_id"] = validation.single_line(
            data["national_id"], "national_id", _max_length(Contact, "national_id"), errors, label=_label(Contact, "national_id")
        )
    if "private_notes" in data:
        fields["private_notes"] = validation.multi_line(
            data["private_notes"], "private_notes", errors, label=_label(Contact, "private_notes")
        )
    return fields


def _require_name(contact: Contact) -> None:
    if not (contact.given_name or contact.family_name):
        raise ValidationError({"given_name": [_("Enter a given name or a family name.")]})


def _save_contact(actor: Any, contact: Contact, fields: dict[str, Any]) -> Written:
    """Save ``contact`` with its cleaned ``fields``; returns the tags, emails and phones written (None: unchanged)."""
    creating = contact._state.adding
    emails = fields.pop("emails", None)
    phones = fields.pop("phones", None)
    for name in ("given_name", "family_name"):
        if name in fields:
            setattr(contact, name, fields[name])
    _require_name(contact)
    index: dict[str, list[str]] = {}
    if emails is not None:
        contact.primary_email = next((blind.normalize_email(row["address"]) for row in emails if row["is_primary"]), "")
        index[EMAIL_SCOPE] = [blind.normalize_email(row["address"]) for row in emails]
    if phones is not None:
        contact.primary_phone = next((row["number"] for row in phones if row["is_primary"]), "")
        index[PHONE_SCOPE] = [blind.normalize_phone(row["number"]) for row in phones]
    # Index entries committed in the key store before the data: a search never misses a saved address.
    if creating:  # with the new person's data key, in one key-store statement written alongside the contact
        with blind.enrolling(contact.pk, index):
            return _write_contact(actor, contact, fields, emails, phones, creating=True)
    for scope, values in index.items():
        blind.set_entries(scope, contact.pk, values)
    return _write_contact(actor, contact, fields, emails, phones, creating=False)


def _write_contact(
    actor: Any, contact: Contact, fields: dict[str, Any], emails: list[Any] | None, phones: list[Any] | None, *, creating: bool
) -> Written:
    """Write the contact's row and tags, and its emails and phones where given (``None``: unchanged)."""
    tags = _save(actor, contact, fields)
    email_rows = phone_rows = None
    if emails is not None:
        if not creating:  # a new contact has none to replace
            ContactEmail.objects.filter(contact=contact).delete()
        email_rows = ContactEmail.objects.bulk_create(
            [ContactEmail(contact=contact, position=i, **row) for i, row in enumerate(emails)]
        )
    if phones is not None:
        if not creating:
            ContactPhone.objects.filter(contact=contact).delete()
        phone_rows = ContactPhone.objects.bulk_create(
            [ContactPhone(contact=contact, position=i, **row) for i, row in enumerate(phones)]
        )
    return Written(tags, email_rows, phone_rows)


@transaction.atomic
def create_contact(actor: Any, data: Mapping[str, Any]) -> Contact:
    """Create a contact (a given or family name required); the actor owns it unless ``owner`` is given.

    The contact comes back holding its tags, emails and phones as written (as if prefetched), so
    showing it needs no query; the audit snapshot is made from the same rows.
    """
    _require_writer(actor)
    contact = Contact()
    written = _save_contact(actor, contact, _clean_contact(actor, data, None))
    _ensure_visible(actor, Contact, contact.pk)
    tags: list[Tag] = sorted(written.tags or [], key=lambda tag: tag.key)  # as a read orders them
    emails, phones = written.emails or [], written.phones or []
    _record(actor, "contact.created", contact, None, after=snapshot_written(contact, tags, emails, phones))
    keep_related(contact, tags=tags, emails=emails, phones=phones)
    return contact


@transaction.atomic
def update_contact(actor: Any, contact_id: Any, data: Mapping[str, Any]) -> Contact:
    """Change the fields of ``contact_id`` given in ``data``; ``emails``/``phones`` replace the whole list."""
    _require_writer(actor)
    contact = access_contact_by_id(actor, contact_id, for_write=True, lock=True)
    _refuse_if_erased(contact)
    fields = _clean_contact(actor, data, contact)
    before = _snapshot(contact)
    if not _would_change(contact, fields, before):
        return contact
    _save_contact(actor, contact, fields)
    _ensure_visible(actor, Contact, contact.pk)
    _record(actor, "contact.updated", contact, before)
    return contact


@transaction.atomic
def delete_contact(actor: Any, contact_id: Any) -> ChangeSet:
    """Delete ``contact_id`` with its emails and phones."""
    _require_writer(actor)
    contact = access_contact_by_id(actor, contact_id, for_write=True, lock=True)
    changes = _record(actor, "contact.deleted", contact, _snapshot(contact))
    record_delete_effects(actor, contact)
    contact.delete()
    blind.forget_person(contact.pk)  # the data key stays: a restored backup can still be read (erase to prevent that)
    return changes


class ContactErased(ValidationError):
    """The contact's personal data was crypto-shredded: it can be read (as "erased") and deleted, not changed."""


def _refuse_if_erased(contact: Contact) -> None:
    if contact.is_erased:
        raise ContactErased(_("This contact's personal data was erased. The record can no longer be changed, only deleted."))


def _would_change(obj: Company | Contact, fields: Mapping[str, Any], before: Snapshot) -> bool:
    """Whether writing ``fields`` would change anything the snapshot records."""
    for name, value in fields.items():
        if name in ("owner", "company", "team"):
            current = before[name]
            proposed = None if value is None else (value.pk if name == "owner" else str(value.pk))
        elif name == "tags":
            current, proposed = {search_key(tag) for tag in before["tags"]}, {search_key(tag) for tag in value}
        elif name == "date_of_birth":
            current, proposed = before.get(name), value.isoformat() if value else None
        else:
            current, proposed = before.get(name, getattr(obj, name, None)), value
        if current != proposed:
            return True
    return False

"""Creating many contacts in one transaction: :func:`create_contacts`, ``create_contact`` in bulk (docs/adr/0043).

Each row is cleaned and validated by the very functions ``create_contact`` uses, and gets the same
defaults (owner, team, preferred language), the same encryption under its own data key, the same
blind-index entries, the same visibility re-check and the same ``record.created`` audit event
with the same redacted change set. What is done once per call instead of once per row: the
actor's default team, the company look-up (one query), the data keys (one key-store query and one
bulk insert), the blind-index entries (one bulk insert per scope), the inserts of contacts,
emails, phones and tags (bulk), the visibility re-check (one query) and the audit events (one
multi-row insert into the audit inbox).

Key store first (docs/adr/0016, 0054): keys and index entries are committed before the contacts
they serve commit (written while the contacts are, waited for before the caller's transaction
ends); if that transaction then rolls back they are orphans, which ``keys sweep`` removes
(docs/adr/0022).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bastion.accounts.selectors import default_team_of
from bastion.directory import selectors
from bastion.directory.access import parse_uuid
from bastion.directory.actions import (
    NotVisibleAfterWrite,
    _clean_company,
    _clean_contact,
    _require_name,
    _require_writer,
    _tag_objects,
)
from bastion.directory.audit import restricted_fields, target_of
from bastion.directory.models import EMAIL_SCOPE, PHONE_SCOPE, Company, Contact, ContactEmail, ContactPhone, Tag
from bastion.directory.names import search_key
from bastion.directory.written import snapshot_of
from bastion.kernel.audit.changes import diff
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import record_events, redact
from bastion.kernel.bulk import insert_new
from bastion.kernel.crypto import blind, keyring

CHECK_CHUNK = 500
_EXCLUDE = ["owner", "team", "company", "created_by", "updated_by", "tags"]


@dataclass
class _New:
    record: Any  # the new Contact or Company
    emails: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    tags: list[str] | None = None
    tag_objects: list[Tag] = field(default_factory=list)


def _visible_companies(actor: Any, rows: Sequence[Mapping[str, Any]]) -> dict[str, Company]:
    wanted = {parse_uuid(getattr(row["company"], "pk", row["company"])) for row in rows if row.get("company") not in (None, "")}
    ids = [pk for pk in wanted if pk is not None]
    found: dict[str, Company] = {}
    for start in range(0, len(ids), CHECK_CHUNK):
        companies = selectors.company_queryset(actor).filter(pk__in=ids[start : start + CHECK_CHUNK]).only("id", "name")
        found.update({str(company.pk): company for company in companies})
    return found


def _clean(actor: Any, data: Mapping[str, Any], companies: Mapping[str, Company], team: Any) -> dict[str, Any]:
    """``_clean_contact`` for a new contact, with the company taken from the batch's one look-up."""
    rest = {key: value for key, value in data.items() if key != "company"}
    problems: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    try:
        fields = _clean_contact(actor, rest, None, actor_team=team)
    except ValidationError as exc:
        problems = {key: list(messages) for key, messages in exc.message_dict.items()}
    if data.get("company") not in (None, ""):
        pk = parse_uuid(getattr(data["company"], "pk", data["company"]))
        company = companies.get(str(pk)) if pk else None
        if company is None:  # unknown and invisible companies get the same answer
            problems = {"company": [_("Choose a company that exists and that you can see.")], **problems}
        fields["company"] = company
    if problems:
        raise ValidationError(problems)
    return fields


def _build(actor: Any, fields: dict[str, Any]) -> _New:
    """A new contact with ``fields`` assigned and validated as ``_save_contact`` does, not written yet."""
    emails, phones, tags = fields.pop("emails", None), fields.pop("phones", None), fields.pop("tags", None)
    if emails is not None:
        fields["primary_email"] = next((blind.normalize_email(row["address"]) for row in emails if row["is_primary"]), "")
    if phones is not None:
        fields["primary_phone"] = next((row["number"] for row in phones if row["is_primary"]), "")
    # The values as keyword arguments: the same assignments as setting them one by one after Contact(), done once.
    contact = Contact(**fields, created_by=actor, updated_by=actor)
    _require_name(contact)
    contact.full_clean(exclude=_EXCLUDE, validate_unique=False)
    contact.derive_keys()
    return _New(contact, emails or [], phones or [], tags)


def _write(new: list[_New]) -> None:
    """The new contacts' data keys and blind-index entries, written while their rows, emails, phones and tags are."""
    entries = [
        *blind.entries_of(
            EMAIL_SCOPE, [(item.record.pk, blind.normalize_email(row["address"])) for item in new for row in item.emails]
        ),
        *blind.entries_of(
            PHONE_SCOPE, [(item.record.pk, blind.normalize_phone(row["number"])) for item in new for row in item.phones]
        ),
    ]
    with keyring.making_first_keys([item.record.pk for item in new], entries):  # committed before the caller's transaction
        insert_new(Contact, [item.record for item in new])
        # contact_id rather than contact: the rows are only inserted, and the relation's descriptor costs per row
        insert_new(
            ContactEmail,
            [ContactEmail(contact_id=item.record.pk, position=i, **row) for item in new for i, row in enumerate(item.emails)],
        )
        insert_new(
            ContactPhone,
            [ContactPhone(contact_id=item.record.pk, position=i, **row) for item in new for i, row in enumerate(item.phones)],
        )
        _write_tags(new)


def _write_tags(new: list[_New], model: type[Company] | type[Contact] = Contact) -> None:
    names = sorted({name for item in new for name in (item.tags or [])})
    if not names:
        return
    by_name = dict(zip(names, _tag_objects(names), strict=True))
    through = model.tags.through
    column = f"{model._meta.model_name}_id"
    links: list[Any] = []
    for item in new:
        item.tag_objects = list({by_name[name].pk: by_name[name] for name in item.tags or []}.values())
        links.extend(through(**{column: item.record.pk, "tag_id": tag.pk}) for tag in item.tag_objects)
    through.objects.bulk_create(links)


def _ensure_visible(actor: Any, ids: list[Any], model: type[Company] | type[Contact] = Contact) -> None:
    visible = 0
    for start in range(0, len(ids), CHECK_CHUNK):
        visible += model.objects.visible_to(actor).filter(pk__in=ids[start : start + CHECK_CHUNK]).count()
    if visible != len(ids):
        raise NotVisibleAfterWrite(_("After this change you could no longer see the record, so it was not saved."))


def _audit(actor: Any, new: list[_New]) -> None:
    restricted = restricted_fields(Contact)
    items = []
    for item in new:
        after = snapshot_of(item.record, [tag.name for tag in item.tag_objects], item.emails, item.phones)
        items.append((target_of(item.record), redact(diff(None, after), restricted)))
    record_events(EventKind.RECORD_CREATED, actor=actor, items=items)


@transaction.atomic
def create_contacts(actor: Any, rows: Sequence[Mapping[str, Any]]) -> list[Contact | ValidationError]:
    """Create a contact from each of ``rows`` (the input of ``create_contact``), in one transaction.

    Returns, in order, the new contact or the ``ValidationError`` that ``create_contact`` would
    have raised for that row (such rows are not written). Raises ``ActionNotAllowed`` for a role
    that may not change customer records and ``NotVisibleAfterWrite`` (nothing written) if the
    actor could not see every new contact.
    """
    _require_writer(actor)
    companies = _visible_companies(actor, rows)
    team = default_team_of(actor)
    results: list[Contact | ValidationError] = []
    new: list[_New] = []
    for data in rows:
        try:
            item = _build(actor, _clean(actor, data, companies, team))
        except ValidationError as exc:
            results.append(exc)
            continue
        new.append(item)
        results.append(item.record)
    if new:
        _write(new)
        _ensure_visible(actor, [item.record.pk for item in new])
        _audit(actor, new)
    return results


@transaction.atomic
def create_companies(actor: Any, rows: Sequence[Mapping[str, Any]]) -> list[Company | ValidationError]:
    """``create_company`` for each of ``rows``, in one transaction: as :func:`create_contacts` (no encrypted fields)."""
    _require_writer(actor)
    team = default_team_of(actor)
    results: list[Company | ValidationError] = []
    new: list[_New] = []
    for data in rows:
        try:
            fields = _clean_company(actor, data, None, actor_team=team)
            tags = fields.pop("tags", None)
            company = Company(**fields, created_by=actor, updated_by=actor)
            company.full_clean(exclude=_EXCLUDE, validate_unique=False)
        except ValidationError as exc:
            results.append(exc)
            continue
        company.name_key = search_key(company.name)
        new.append(_New(company, [], [], tags))
        results.append(company)
    if new:
        insert_new(Company, [item.record for item in new])
        _write_tags(new, Company)
        _ensure_visible(actor, [item.record.pk for item in new], Company)
        restricted = restricted_fields(Company)
        items = [
            (
                target_of(item.record),
                redact(diff(None, snapshot_of(item.record, [tag.name for tag in item.tag_objects])), restricted),
            )
            for item in new
        ]
        record_events(EventKind.RECORD_CREATED, actor=actor, items=items)
    return results

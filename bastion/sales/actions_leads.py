"""Every change to leads: capture from the public form, create from the API or by hand, update,
delete, and conversion into a contact, a company and a deal in one step.

Each action runs in one transaction: validate, authorise, write, audit. A lead's email and
phone are restricted: encrypted under the lead's own data key and indexed in blind indexes
(written before the row, so a duplicate search never misses a saved address); the audit trail
records only that they changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.directory import actions as directory_actions
from bastion.directory.access import parse_uuid
from bastion.directory.models import Industry, Language
from bastion.directory.names import has_cjk
from bastion.directory.validation import Errors, multi_line, phone_problem, single_line
from bastion.kernel.audit.cascade import record_delete_effects
from bastion.kernel.audit.changes import ChangeSet, Snapshot, diff, record_change, target_of
from bastion.kernel.crypto import blind
from bastion.sales import actions as deal_actions
from bastion.sales import lifecycle, scoring
from bastion.sales.access import access_lead_by_id
from bastion.sales.actions_routing import route_new_lead
from bastion.sales.models import LEAD_EMAIL_SCOPE, LEAD_PHONE_SCOPE, Lead, LeadSource, LeadStatus

LEAD_FIELDS = frozenset(
    {"given_name", "family_name", "company_name", "job_title", "email", "phone", "message", "preferred_language"}
    | {"country", "industry", "status", "owner", "team", "consent_text", "consent_given_at"}
)
PUBLIC_FIELDS = frozenset(
    {"given_name", "family_name", "company_name", "job_title", "country", "industry", "email", "phone", "message"}
)
AUDIT_RESTRICTED = ("email", "phone", "message")
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED)
MAX_MESSAGE = 5000


class LeadConverted(ValidationError):
    """A converted lead is kept as history: it can be read and deleted, not changed or converted again."""


def _snapshot(lead: Lead) -> Snapshot:
    names = (
        "given_name", "family_name", "company_name", "job_title", "country", "industry", "email", "phone", "message",
        "preferred_language",
    )  # fmt: skip
    state: Snapshot = {name: str(getattr(lead, name)) for name in names}
    state.update(
        status=lead.status,
        source=lead.source,
        owner=lead.owner_id,
        team=str(lead.team_id) if lead.team_id else None,
        consent_text=lead.consent_text,
        consent_given_at=lead.consent_given_at.isoformat() if lead.consent_given_at else None,
        converted_contact=str(lead.converted_contact_id) if lead.converted_contact_id else None,
        converted_company=str(lead.converted_company_id) if lead.converted_company_id else None,
        converted_deal=str(lead.converted_deal_id) if lead.converted_deal_id else None,
    )
    return state


def _audit(actor: Any, verb: str, lead: Lead, before: Snapshot | None) -> ChangeSet:
    after = None if verb.endswith(".deleted") else _snapshot(lead)
    changes = diff(before, after)
    snapshot = {"owner": lead.owner_id, "source": lead.source}
    record_change(actor, verb, target_of(lead, snapshot), changes, restricted=AUDIT_RESTRICTED)
    return changes


# --- cleaning ----------------------------------------------------------------------------------


def _email(value: Any, errors: Errors) -> str:
    address = single_line(value, "email", 254, errors, label=_("Email address"))
    if address:
        try:
            validate_email(address)
        except ValidationError:
            errors.add("email", _("“%(value)s” is not a valid email address.") % {"value": address[:80]})
    return address


def _phone(value: Any, errors: Errors) -> str:
    number = single_line(value, "phone", 40, errors, label=_("Phone number"))
    problem = phone_problem(number) if number else None
    if problem:
        errors.add("phone", problem)
    return number


def _moment(value: Any, errors: Errors) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            errors.add("consent_given_at", _("Enter the time of consent as an ISO 8601 date and time."))
            return None
    if timezone.is_naive(moment):
        errors.add("consent_given_at", _("Give the time of consent with its time zone (e.g. 2026-11-29T10:15:00+08:00)."))
        return None
    if moment > timezone.now() + dt.timedelta(minutes=5):
        errors.add("consent_given_at", _("The time of consent cannot be in the future."))
    return moment


def _clean(data: Mapping[str, Any], current: Lead | None, *, allowed: frozenset[str] = LEAD_FIELDS) -> dict[str, Any]:
    creating = current is None
    errors = Errors()
    for name in sorted(set(data) - allowed):
        errors.add(name, _("Unknown field."))
    fields: dict[str, Any] = {}
    for name, limit, label in (
        ("given_name", 100, _("Given name")),
        ("family_name", 100, _("Family name")),
        ("company_name", 200, _("Company")),
        ("job_title", 150, _("Job title")),
        ("country", 100, _("Country or region")),
    ):
        if name in data:
            fields[name] = single_line(data[name], name, limit, errors, label=label)
    if "email" in data:
        fields["email"] = _email(data["email"], errors)
    if "phone" in data:
        fields["phone"] = _phone(data["phone"], errors)
    if "message" in data:
        fields["message"] = multi_line(data["message"], "message", errors, label=_("Message"), max_length=MAX_MESSAGE)
    if "industry" in data:
        fields["industry"] = str(data["industry"] or "")
        if fields["industry"] not in ("", *Industry.values):
            errors.add("industry", _("Choose an industry from the list, or leave it empty."))
    if "preferred_language" in data:
        language = str(data["preferred_language"] or "")
        if language not in Language.values:
            errors.add("preferred_language", _("Choose English or Simplified Chinese."))
        fields["preferred_language"] = language
    if "status" in data:
        if data["status"] not in OPEN_STATUSES:
            errors.add("status", _("Choose new, contacted, qualified or disqualified; a lead is converted with Convert."))
        fields["status"] = data["status"]
    fields.update(_assignment_and_consent(data, errors))
    _require_person(fields, current, errors, creating=creating)
    errors.raise_if_any()
    return fields


def _assignment_and_consent(data: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "owner" in data:
        fields["owner"] = deal_actions._owner(data["owner"], errors, None)
    if "team" in data:
        fields["team"] = deal_actions._team(data["team"], errors)
    if "consent_text" in data:
        fields["consent_text"] = multi_line(
            data["consent_text"], "consent_text", errors, label=_("Consent text"), max_length=2000
        )
    if "consent_given_at" in data:
        fields["consent_given_at"] = _moment(data["consent_given_at"], errors)
    return fields


def _require_person(fields: dict[str, Any], current: Lead | None, errors: Errors, *, creating: bool) -> None:
    def value(name: str) -> str:
        return str(fields[name] if name in fields else (getattr(current, name) if current is not None else ""))

    if not (value("given_name") or value("family_name")) and "given_name" not in errors.by_field:
        errors.add("given_name", _("Enter a given name or a family name."))
    if not (value("email") or value("phone")) and not ({"email", "phone"} & set(errors.by_field)):
        errors.add("email", _("Enter an email address or a phone number, so someone can get back to the person."))
    if fields.get("consent_text") and not (fields.get("consent_given_at") or (current and current.consent_given_at)):
        errors.add("consent_given_at", _("Say when the person gave this consent."))
    if creating and "preferred_language" not in fields:
        fields["preferred_language"] = "zh-hans" if has_cjk(value("given_name") + value("family_name")) else "en"


# --- writing -------------------------------------------------------------------------------------


def _write(actor: Any, lead: Lead, fields: dict[str, Any]) -> None:
    if "email" in fields:
        email = blind.normalize_email(fields["email"]) if fields["email"] else ""
        blind.set_entries(LEAD_EMAIL_SCOPE, lead.pk, [email] if email else [])
    if "phone" in fields:
        phone = blind.normalize_phone(fields["phone"]) if fields["phone"] else ""
        blind.set_entries(LEAD_PHONE_SCOPE, lead.pk, [phone] if phone else [])
    for name, value in fields.items():
        setattr(lead, name, value)
    if lead._state.adding:
        lead.created_by = actor
    lead.updated_by = actor
    lead.save()
    scoring.rescore(lead, actor)


def _ensure_visible(actor: Any, lead: Lead) -> None:
    if not Lead.objects.visible_to(actor).filter(pk=lead.pk).exists():
        raise deal_actions.NotVisibleAfterWrite(_("After this change you could no longer see the lead, so it was not saved."))


@transaction.atomic
def capture_lead(data: Mapping[str, Any], *, consent_text: str, language: str = "en") -> Lead:
    """A lead from the public web form (nobody signed in): the person agreed to ``consent_text`` now."""
    fields = _clean(data, None, allowed=PUBLIC_FIELDS)
    if not consent_text:
        raise ValidationError({"consent": [_("Tick the box to agree before sending.")]})
    fields.update(consent_text=consent_text, consent_given_at=timezone.now(), source=LeadSource.WEB_FORM)
    fields["preferred_language"] = "zh-hans" if language.startswith("zh") else fields.get("preferred_language", "en")
    # The receiving team: a territory's owner, else the next member in turn (ADR 0039, 0045).
    fields["owner"], fields["team"] = route_new_lead(fields.get("country", ""), fields.get("industry", ""))
    lead = Lead()
    _write(None, lead, fields)
    _audit(None, "lead.created", lead, None)
    return lead


@transaction.atomic
def create_lead(actor: Any, data: Mapping[str, Any], *, source: str = LeadSource.MANUAL) -> Lead:
    """A lead entered by a colleague or sent through the API; the actor owns it unless ``owner`` is given."""
    deal_actions._require_writer(actor)
    fields = _clean(data, None)
    fields.setdefault("owner", actor)
    if fields.get("team") is None:  # the owner's team, or the actor's for a lead nobody owns yet
        fields["team"] = deal_actions._default_team(fields["owner"] or actor)
    fields["source"] = source if source in LeadSource.values else LeadSource.MANUAL
    lead = Lead()
    _write(actor, lead, fields)
    _ensure_visible(actor, lead)
    _audit(actor, "lead.created", lead, None)
    return lead


@transaction.atomic
def update_lead(actor: Any, lead_id: Any, data: Mapping[str, Any]) -> Lead:
    deal_actions._require_writer(actor)
    lead = access_lead_by_id(actor, lead_id, for_write=True, lock=True)
    if lead.is_converted:
        raise LeadConverted(_("This lead was converted. It is kept as history and can no longer be changed."))
    fields = _clean(data, lead)
    before = _snapshot(lead)
    _write(actor, lead, fields)
    if _snapshot(lead) != before:
        _ensure_visible(actor, lead)
        _audit(actor, "lead.updated", lead, before)
        lifecycle.on_lead_saved(actor, lead)
    return lead


@transaction.atomic
def delete_lead(actor: Any, lead_id: Any) -> ChangeSet:
    """Delete a lead; its index entries go too (the data key stays, for backups: erase to destroy it)."""
    deal_actions._require_writer(actor)
    lead = access_lead_by_id(actor, lead_id, for_write=True, lock=True)
    changes = _audit(actor, "lead.deleted", lead, _snapshot(lead))
    record_delete_effects(actor, lead)
    lead.delete()
    blind.forget_person(lead.pk)
    return changes


# --- conversion --------------------------------------------------------------------------------


def _convert_company(actor: Any, lead: Lead, data: Mapping[str, Any], errors: Errors) -> Any:
    from bastion.directory import selectors as directory

    if data.get("company") not in (None, ""):
        pk = parse_uuid(getattr(data["company"], "pk", data["company"]))
        company = directory.company_queryset(actor).filter(pk=pk).first() if pk else None
        if company is None:
            errors.add("company", _("Choose a company that exists and that you can see."))
        return company
    if data.get("create_company") and lead.company_name:
        new = {"name": lead.company_name, "owner": lead.owner or actor, "industry": lead.industry}
        return directory_actions.create_company(actor, new)
    if data.get("create_company"):
        errors.add("create_company", _("The lead has no company name to create a company from."))
    return None


def _convert_contact(actor: Any, lead: Lead, data: Mapping[str, Any], company: Any, errors: Errors) -> Any:
    from bastion.directory import selectors as directory

    if data.get("contact") not in (None, ""):
        pk = parse_uuid(getattr(data["contact"], "pk", data["contact"]))
        contact = directory.contact_queryset(actor).filter(pk=pk).first() if pk else None
        if contact is None:
            errors.add("contact", _("Choose a contact that exists and that you can see."))
        return contact
    person: dict[str, Any] = {
        "given_name": lead.given_name,
        "family_name": lead.family_name,
        "job_title": lead.job_title,
        "preferred_language": lead.preferred_language,
        "company": company,
        "owner": lead.owner or actor,
        "country": lead.country,
    }
    if lead.email:
        person["emails"] = [{"address": str(lead.email), "label": "work", "is_primary": True}]
    if lead.phone:
        person["phones"] = [{"number": str(lead.phone), "label": "work", "is_primary": True}]
    return directory_actions.create_contact(actor, person)


@transaction.atomic
def convert_lead(actor: Any, lead_id: Any, data: Mapping[str, Any]) -> Lead:
    """Turn a lead into a contact (new, or an existing ``contact`` it duplicates), a company
    (an existing ``company``, or a new one from the lead's company name with ``create_company``)
    and, with ``create_deal``, a deal (``deal_name``, ``amount``, ``currency``, ``stage``) — all
    or nothing. The lead is kept, linked to what it became, with status "converted".
    """
    deal_actions._require_writer(actor)
    lead = access_lead_by_id(actor, lead_id, for_write=True, lock=True)
    if lead.is_converted:
        raise LeadConverted(_("This lead was already converted."))
    allowed = {"company", "create_company", "contact", "create_deal", "deal_name", "amount", "currency", "stage"}
    errors = Errors()
    for name in sorted(set(data) - allowed):
        errors.add(name, _("Unknown field."))
    errors.raise_if_any()
    before = _snapshot(lead)
    company = _convert_company(actor, lead, data, errors)
    errors.raise_if_any()
    contact = _convert_contact(actor, lead, data, company, errors)
    errors.raise_if_any()
    lifecycle.on_contact_from_lead(actor, lead, contact)
    deal = None
    if data.get("create_deal"):
        deal_data = {
            "name": data.get("deal_name") or (lead.company_name or lead.display_name),
            "company": company.pk if company else None,
            "contact": contact.pk,
            "owner": (lead.owner or actor).pk,
        }
        deal_data.update({name: data[name] for name in ("amount", "currency", "stage") if data.get(name) not in (None, "")})
        deal = deal_actions.create_deal(actor, deal_data)
    lead.status = LeadStatus.CONVERTED
    lead.converted_at = timezone.now()
    lead.converted_contact, lead.converted_company, lead.converted_deal = contact, company, deal
    lead.updated_by = actor
    lead.save()
    _audit(actor, "lead.updated", lead, before)
    contact.refresh_from_db(fields=["lifecycle_stage"])
    lifecycle.on_lead_converted(actor, lead, contact)
    return lead

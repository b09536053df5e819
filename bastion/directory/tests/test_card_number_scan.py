"""The discovery scan for stored card numbers (L3, PCI DSS A3.2.5; ADR 0071): it reads every classified
text, the encrypted ones decrypted, records each finding with the last four digits only, and the
intrusion detector raises a security alert per record for the officers."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from bastion.directory import actions_erase
from bastion.directory.models import Company, Contact
from bastion.kernel.alerts import detect
from bastion.kernel.alerts.models import SecurityAlert
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.cardnumbers_scan import scan, scanned_fields, scanned_models
from bastion.kernel.tasks import scan_for_card_numbers

pytestmark = pytest.mark.django_db


def plant(company: Any, contact: Any) -> None:
    """Card numbers stored around the checks, as a restored backup or a hand-edited database might hold them."""
    Company.objects.filter(pk=company.pk).update(notes="Paid by 5555 5555 5555 4444")
    contact.private_notes = "card 4111-1111-1111-1111 exp 12/27"
    contact.save(update_fields=["private_notes"])  # encrypted as it is written


def test_the_scan_reads_every_classified_text_field_including_encrypted_ones() -> None:
    labels = {model._meta.label for model in scanned_models()}
    assert {"directory.Contact", "directory.Company", "sales.Lead", "sales.Deal", "sales.Activity"} <= labels
    assert not any(label.startswith("kernel.") for label in labels)
    fields = scanned_fields(Contact)
    assert {"notes", "private_notes", "national_id", "given_name"} <= set(fields) and "id" not in fields


def test_a_clean_database_yields_nothing_but_the_record_that_it_was_scanned(company: Any, contact: Any) -> None:
    report = scan()
    assert report.findings == [] and report.records >= 2 and report.values >= 5
    [event] = AuditEvent.objects.filter(kind=EventKind.CARD_NUMBERS_SCANNED)
    assert event.extra["found"] == 0 and event.extra["records"] == report.records
    assert not AuditEvent.objects.filter(kind=EventKind.CARD_NUMBER_FOUND).exists()
    detect.scan()
    assert not SecurityAlert.objects.exists()


def test_stored_card_numbers_are_found_recorded_and_raised_as_alerts(
    personas: Any, signed_in: Any, company: Any, contact: Any
) -> None:
    plant(company, contact)
    report = scan()
    found = sorted((f.model, f.record_id, f.field, f.scheme, f.ending) for f in report.findings)
    assert found == sorted([
        ("directory.company", str(company.pk), "notes", "mastercard", "4444"),
        ("directory.contact", str(contact.pk), "private_notes", "visa", "1111"),
    ])  # fmt: skip
    events = AuditEvent.objects.filter(kind=EventKind.CARD_NUMBER_FOUND).order_by("sequence")
    assert sorted((e.target_type, e.target_id, e.extra["field"], e.extra["ending"]) for e in events) == [
        (model, record, field, ending) for model, record, field, _scheme, ending in found
    ]
    assert "5555 5555" not in str(list(events.values_list("extra", "target_snapshot")))
    assert AuditEvent.objects.get(kind=EventKind.CARD_NUMBERS_SCANNED).extra["found"] == 2
    raised = detect.scan()
    assert sorted((a.rule, a.subject_type, a.severity) for a in raised) == [("card_number_stored", "record", "high")] * 2
    alert = SecurityAlert.objects.get(subject_id=f"directory.contact:{contact.pk}")
    client = signed_in(personas.auditor)
    page = client.get(f"/audit/alerts/{alert.pk}/").content.decode()
    assert "Payment card number stored" in page and f"Record directory.contact {contact.pk}" in page
    assert "4111" not in page
    # Removed through the action, the next scan finds only the other one, and the open alert is not raised again.
    from bastion.directory import actions

    actions.update_contact(personas.rep_east, contact.pk, {"private_notes": "card removed"})
    assert [f.model for f in scan().findings] == ["directory.company"]
    assert detect.scan() == [] and SecurityAlert.objects.count() == 2  # the company's open alert is extended


def test_an_erased_person_is_read_as_erased_not_as_an_error(personas: Any, company: Any, contact: Any) -> None:
    plant(company, contact)
    actions_erase.shred_contact(personas.admin, contact.pk)
    assert [f.model for f in scan().findings] == ["directory.company"]  # the shredded notes read as erased


def test_the_command_prints_the_last_four_digits_and_exits_with_one(company: Any, contact: Any) -> None:
    out = StringIO()
    call_command("cardnumbers", "scan", stdout=out, stderr=StringIO())  # nothing stored: exit status 0
    assert "0 card numbers found" in out.getvalue()
    plant(company, contact)
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("cardnumbers", "scan", stdout=out, stderr=StringIO())
    assert exited.value.code == 1
    text = out.getvalue()
    assert "…4444" in text and "…1111" in text and "2 card numbers found" in text
    assert "5555 5555" not in text and "4111-1111" not in text


def test_the_monthly_task_runs_the_scan(company: Any, contact: Any) -> None:
    plant(company, contact)
    scan_for_card_numbers.call_local()
    assert AuditEvent.objects.filter(kind=EventKind.CARD_NUMBER_FOUND).count() == 2

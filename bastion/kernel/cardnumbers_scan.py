"""The discovery scan for stored card numbers (L3; PCI DSS A3.2.5 asks for one every three months).

Every text a person can type is checked on the way in (``cardnumbers.first_in`` in the cleaners), so
the scan should find nothing. It is the proof of that, and the net for what came in before the check
or around it (a restored backup, a database edited by hand). It reads every text field of every
record whose model declares a data classification, the encrypted ones decrypted, and records:

- one ``data.card_number_found`` event per value that holds a card number: the record, the field,
  the scheme and the last four digits (nothing more), which the intrusion detector turns into a
  security alert (rule ``card_number_stored``) emailed to the security officers;
- one ``data.card_numbers_scanned`` event for the run: what was read and what was found, the
  evidence an auditor asks for.

The scan only reads, so a run that dies is simply run again. docs/adr/0071.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction

from bastion.kernel import cardnumbers
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event
from bastion.kernel.crypto.classification import classification_of
from bastion.kernel.crypto.fields import preload_keys

CHUNK = 1000
_TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
# The kernel's own tables hold no customer text: the audit trail masks card numbers as it writes
# (``writer._json``), the key store holds keys, and an alert's closing note refuses them.
_SKIPPED_APPS = frozenset({"kernel"})


@dataclass(frozen=True)
class Finding:
    """A stored value that holds a card number: where, which scheme, and its last four digits."""

    model: str
    record_id: str
    field: str
    scheme: str
    ending: str


@dataclass
class ScanReport:
    tables: int = 0
    records: int = 0
    values: int = 0
    findings: list[Finding] = field(default_factory=list)


def scanned_fields(model: type[models.Model]) -> list[str]:
    """The classified text fields of ``model`` that a person's words can reach (no choices, no keys)."""
    classified = classification_of(model)
    return [
        each.attname
        for each in model._meta.concrete_fields
        if each.name in classified and isinstance(each, _TEXT_FIELDS) and not each.choices and not each.primary_key
    ]


def scanned_models() -> list[type[models.Model]]:
    """Every model with a declared classification and at least one text field, outside the kernel."""
    found = [
        model
        for model in apps.get_models()
        if model._meta.app_label not in _SKIPPED_APPS and classification_of(model) and scanned_fields(model)
    ]
    return sorted(found, key=lambda model: model._meta.label)


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _records(model: type[models.Model]) -> Iterator[list[Any]]:
    """The rows of ``model`` in pages of :data:`CHUNK`, by primary key, their data keys fetched per page."""
    manager = model._base_manager
    last: Any = None
    while True:
        page = manager.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:CHUNK])
        if not rows:
            return
        preload_keys(rows)
        yield rows
        last = rows[-1].pk


def _scan_model(model: type[models.Model], report: ScanReport) -> None:
    names = scanned_fields(model)
    label = f"{model._meta.app_label}.{model._meta.model_name}"
    report.tables += 1
    for rows in _records(model):
        for row in rows:
            report.records += 1
            for name in names:
                for text in _texts(getattr(row, name)):
                    report.values += 1
                    card = cardnumbers.first_in(text)
                    if card is not None:
                        report.findings.append(Finding(label, str(row.pk), name, card.scheme, card.ending))
                        break


def scan(*, progress: Callable[[str, ScanReport], None] | None = None) -> ScanReport:
    """Read every stored text for card numbers and record what was found (see the module's docstring)."""
    report = ScanReport()
    for model in scanned_models():
        _scan_model(model, report)
        if progress is not None:
            progress(model._meta.label, report)
    with transaction.atomic():
        for finding in report.findings:
            target = Target(finding.model, finding.record_id, {})
            details = {"field": finding.field, "scheme": finding.scheme, "ending": finding.ending}
            record_event(EventKind.CARD_NUMBER_FOUND, target=target, extra=details)
        summary = {"tables": report.tables, "records": report.records, "values": report.values, "found": len(report.findings)}
        record_event(EventKind.CARD_NUMBERS_SCANNED, extra=summary)
    return report

"""CSV exports of the company and contact lists, as the user sees them.

An export is the list the user is looking at (their filters and search applied, scoped by
``objects.visible_to``) with every field masked for their role, streamed a keyset page at a
time so memory stays flat whatever the size. Before the first byte is sent, the export is
recorded as an ``export`` audit event with the number of rows and the filters (a searched
email or phone is recorded masked). The callers (views_export.py) check the step-up and the
rate limit first.

Cells that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a
carriage return) are prefixed with ``'`` (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bastion.directory import fieldsecurity, selectors
from bastion.kernel.access.masking import mask_value, masked
from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.writer import Target, record_event
from bastion.kernel.pagination import Ordering, PageRequest, paginate

BATCH = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.username) if user else ""


def _owner(record: Any) -> str:
    return _person(record.owner)


def _tags(record: Any) -> str:
    tags = getattr(record, "visible_tags", None)  # the lists' prefetch (selectors.LIST_TAGS)
    return ", ".join(tag.name for tag in (record.tags.all() if tags is None else tags))


def _date(value: Any) -> str:
    if value in (None, ""):
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


Column = tuple[Any, Callable[[Any], Any]]

COMPANY_COLUMNS: list[Column] = [
    (_("Id"), lambda r: r.pk),
    (pgettext_lazy("company", "Name"), lambda r: r.name),
    (_("Web domain"), lambda r: r.domain),
    (_("Industry"), lambda r: r.get_industry_display()),
    (_("Employees"), lambda r: r.get_size_display()),
    (_("Street address"), lambda r: r.street),
    (_("Postal code"), lambda r: r.postal_code),
    (_("City"), lambda r: r.city),
    (_("State / province"), lambda r: r.region),
    (_("Country"), lambda r: r.country),
    (_("Owner"), _owner),
    (_("Tags"), _tags),
    (_("Created"), lambda r: _date(r.created_at)),
    (_("Updated"), lambda r: _date(r.updated_at)),
]

CONTACT_COLUMNS: list[Column] = [
    (_("Id"), lambda r: r.pk),
    (_("Given name"), lambda r: r.given_name),
    (_("Family name"), lambda r: r.family_name),
    (_("Job title"), lambda r: r.job_title),
    (_("Company"), lambda r: r.company.name if r.company else ""),
    (_("Email"), lambda r: r.primary_email),
    (_("Phone"), lambda r: r.primary_phone),
    (_("Preferred language"), lambda r: r.get_preferred_language_display()),
    (_("Street address"), lambda r: r.street),
    (_("Postal code"), lambda r: r.postal_code),
    (_("City"), lambda r: r.city),
    (_("State / province"), lambda r: r.region),
    (_("Country"), lambda r: r.country),
    (_("Date of birth"), lambda r: _date(r.date_of_birth)),
    (_("National ID number"), lambda r: r.national_id),
    (_("Owner"), _owner),
    (_("Tags"), _tags),
    (_("Created"), lambda r: _date(r.created_at)),
    (_("Updated"), lambda r: _date(r.updated_at)),
]


@dataclass(frozen=True)
class Export:
    """What to export: the object type, its scoped and filtered queryset, the order and the columns."""

    object_type: str
    queryset: QuerySet[Any, Any]
    ordering: Ordering
    columns: Sequence[Column]
    filters: dict[str, Any]


def company_export(user: Any, filters: selectors.CompanyFilters, ordering: Ordering) -> Export:
    queryset = selectors.company_list(user, filters).defer(None)
    return Export("directory.company", queryset, ordering, COMPANY_COLUMNS, _filter_record(asdict(filters)))


def contact_export(user: Any, filters: selectors.ContactFilters, ordering: Ordering) -> Export:
    queryset = selectors.contact_list(user, filters).defer(None)
    return Export("directory.contact", queryset, ordering, CONTACT_COLUMNS, _filter_record(asdict(filters)))


def _filter_record(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as the audit trail keeps them: set ones only; an email or phone searched for is masked."""
    kept = {key: str(value) for key, value in filters.items() if value not in (None, "")}
    if "q" in kept and fieldsecurity.searched_field(kept["q"]) is not None:
        kept["q"] = str(mask_value(kept["q"]))
    return kept


@transaction.atomic
def record_export(actor: Any, export: Export, *, request: Any = None) -> int:
    """Count the rows and record the ``export`` event (before any row leaves); returns the count."""
    count = export.queryset.count()
    extra = {"format": "csv", "count": count, "filters": export.filters, "ordering": export.ordering.param}
    record_event(EventKind.EXPORTED, actor=actor, target=Target(export.object_type), extra=extra, request=request)
    return count


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object whose ``write`` returns what was written (csv.writer into a generator)."""

    def write(self, value: str) -> str:
        return value


def rows(user: Any, export: Export) -> Iterator[str]:
    """The CSV text, a line at a time: a header, then every row masked for ``user``, a keyset page at a time."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([str(label) for label, _value in export.columns])
    request = PageRequest(ordering=export.ordering, limit=BATCH)
    while True:
        page = paginate(export.queryset, request)
        for record in page.items:
            view = masked(user, record)
            yield writer.writerow([_cell(value(view)) for _label, value in export.columns])
        if page.next_cursor is None:
            return
        request = PageRequest(ordering=export.ordering, limit=BATCH, cursor=page.next_cursor)


def filename(object_type: str) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return f"{object_type.rsplit('.', 1)[-1]}s-{stamp}.csv"

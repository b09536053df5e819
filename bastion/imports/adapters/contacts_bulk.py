"""Contacts in batches (docs/adr/0043): the rows of a batch are checked, matched against existing
contacts (one blind-index query per kind for the whole batch) and created with one call of the
bulk action ``directory.actions_bulk.create_contacts``, with the outcome the row-by-row path
(:meth:`ContactAdapter.import_row`) would give each row:

- duplicates are looked for exactly as ``selectors.contacts_matching`` does (emails first, phones
  only when no email matched, among visible contacts), and also among the earlier rows of the
  batch that are being created, since row by row those would exist by then;
- a row that would update a record (or that matches such a row) is left to the row-by-row path
  (``None``), which the engine runs after the batch;
- a company named by a row is found by name among visible companies (one query) or created
  through ``create_company``, once per name;
- when an outcome depends on a row that then fails (a later row skipped as a duplicate of a row
  the action rejected, a company created for a rejected row), the batch is done again with the
  failed rows rejected up front; if that still conflicts, :class:`BatchConflict` is raised and
  the engine imports the batch row by row instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from bastion.directory import actions_bulk
from bastion.directory import selectors as directory
from bastion.directory.names import query_key
from bastion.imports.adapters.base import Outcome, RowRejected
from bastion.kernel.crypto import blind

if TYPE_CHECKING:
    from bastion.imports.adapters.directory import ContactAdapter

Result = Outcome | RowRejected | None


class BatchConflict(Exception):
    """The batch cannot be imported in bulk with the outcomes row by row would give: import it row by row."""


def emails_of(values: Mapping[str, str]) -> list[str]:
    return [blind.normalize_email(values[key]) for key in ("email", "email_2") if "@" in values.get(key, "")]


def phones_of(values: Mapping[str, str]) -> list[str]:
    return [blind.normalize_phone(values[key]) for key in ("phone", "mobile") if directory.is_phone_query(values.get(key, ""))]


class _Matcher:
    """Duplicates among visible contacts (looked up once for the batch) and among earlier rows of the batch."""

    def __init__(self, actor: Any, rows: Sequence[Mapping[str, str]]) -> None:
        self.keys = [(emails_of(values), phones_of(values)) for values in rows]  # each row's normalised keys, made once
        self.by_email = directory.contact_ids_with_emails(email for emails, _phones in self.keys for email in emails)
        self.by_phone = directory.contact_ids_with_phones(phone for _emails, phones in self.keys for phone in phones)
        found = {pk for ids in (*self.by_email.values(), *self.by_phone.values()) for pk in ids}
        self.visible = (
            set(directory.contact_queryset(actor).filter(id__in=found).values_list("id", flat=True)) if found else set()
        )
        self.batch_email: dict[str, int] = {}
        self.batch_phone: dict[str, int] = {}

    def matches(self, index: int) -> tuple[set[Any], set[int]]:
        """(existing visible contacts, earlier rows of the batch) row ``index`` matches: emails first, then phones."""
        emails, phones = self.keys[index]
        for keys, existing, batch in ((emails, self.by_email, self.batch_email), (phones, self.by_phone, self.batch_phone)):
            ids = {pk for key in keys for pk in existing.get(key, ())}
            rows = {batch[key] for key in keys if key in batch}
            if ids or rows:
                return ids & self.visible, rows
        return set(), set()

    def add(self, index: int) -> None:
        emails, phones = self.keys[index]
        for key in emails:
            self.batch_email.setdefault(key, index)
        for key in phones:
            self.batch_phone.setdefault(key, index)


class _Companies:
    """Company names → ids among visible companies (one query); the missing ones created with one call of
    ``create_companies`` (``create_company`` in bulk), as row by row would create them one at a time."""

    def __init__(self, actor: Any, names: list[str]) -> None:
        self.actor = actor
        keys = sorted({query_key(name) for name in names} - {""})
        rows = directory.company_queryset(actor).filter(name_key__in=keys).order_by("id").values_list("name_key", "id")
        self.ids: dict[str, Any] = {}
        for key, pk in rows:
            self.ids.setdefault(key, pk)
        self.refused: dict[str, RowRejected] = {}
        self.created: set[str] = set()

    def create_missing(self, names: list[str]) -> None:
        missing = {query_key(name): name for name in names if query_key(name) not in self.ids}
        if not missing:
            return
        for key, result in zip(
            missing, actions_bulk.create_companies(self.actor, [{"name": n} for n in missing.values()]), strict=True
        ):
            if isinstance(result, ValidationError):
                self.refused[key] = RowRejected({"company": [m for messages in result.message_dict.values() for m in messages]})
            else:
                self.ids[key] = result.pk
                self.created.add(key)

    def id_for(self, name: str) -> Any:
        key = query_key(name)
        if key in self.refused:
            raise self.refused[key]
        return self.ids[key]


def import_contacts(adapter: ContactAdapter, actor: Any, rows: Sequence[Mapping[str, str]], dedupe: str) -> list[Result]:
    """The outcome of each row (``None``: import it row by row after the batch); raises BatchConflict.

    When a row the action rejected mattered to other rows (a later row matched it, or a company was
    created for it), the batch is rolled back to a savepoint and done again with those rows
    rejected up front, as row by row they would have been before anything depended on them.
    """
    try:
        with transaction.atomic():
            return _import(adapter, actor, rows, dedupe, {})
    except _Again as again:
        return _import(adapter, actor, rows, dedupe, again.rejected)


class _Again(Exception):
    def __init__(self, rejected: dict[int, Result]) -> None:
        self.rejected = rejected


def _import(
    adapter: ContactAdapter, actor: Any, rows: Sequence[Mapping[str, str]], dedupe: str, known: dict[int, Result]
) -> list[Result]:
    results: list[Result] = [None] * len(rows)
    matcher = _Matcher(actor, rows) if dedupe != "create" else None
    companies = _Companies(actor, [values["company"] for values in rows if "company" in values])
    creating: list[int] = []
    needed: set[int] = set()  # rows of the batch that others' outcomes depend on
    for index, values in enumerate(rows):
        try:
            if index in known:
                raise known[index]  # type: ignore[misc]
            adapter.check(values)
        except RowRejected as rejected:
            results[index] = rejected
            continue
        if matcher is not None:
            existing, earlier = matcher.matches(index)
            if existing or earlier:
                needed |= earlier
                if dedupe == "skip":
                    results[index] = Outcome.SKIPPED
                else:
                    matcher.add(index)  # updated row by row later: later rows matching it follow it there
                continue
            matcher.add(index)
        creating.append(index)
    _create(adapter, actor, rows, creating, companies, results)
    failed = {index for index in creating if isinstance(results[index], RowRejected)}
    if failed & needed or (companies.created and failed and _named_new_company(rows, failed, companies)):
        if known:
            raise BatchConflict
        raise _Again({index: results[index] for index in failed})
    return results


def _named_new_company(rows: Sequence[Mapping[str, str]], failed: set[int], companies: _Companies) -> bool:
    return any(query_key(rows[index].get("company", "")) in companies.created for index in failed)


def _create(
    adapter: ContactAdapter,
    actor: Any,
    rows: Sequence[Mapping[str, str]],
    creating: list[int],
    companies: _Companies,
    results: list[Result],
) -> None:
    datas: list[dict[str, Any]] = []
    indexes: list[int] = []
    companies.create_missing([rows[index]["company"] for index in creating if "company" in rows[index]])
    for index in creating:
        values = rows[index]
        try:
            data = adapter.new_contact_data(
                actor, values, company=companies.id_for(values["company"]) if "company" in values else None
            )
        except RowRejected as rejected:
            results[index] = rejected
            continue
        datas.append(data)
        indexes.append(index)
    for index, created in zip(indexes, actions_bulk.create_contacts(actor, datas), strict=True):
        results[index] = adapter.problems_of(created) if isinstance(created, ValidationError) else Outcome.CREATED


__all__ = ["BatchConflict", "emails_of", "import_contacts", "phones_of"]

"""What an import adapter is: the fields a CSV column can map to, duplicate lookup, and create/update
through the object type's own actions (never model writes), so validation, encryption, blind indexes
and the audit trail apply to every imported row exactly as to a row typed into a form.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from bastion.directory.names import search_key


@dataclass(frozen=True)
class FieldSpec:
    """A field a column can map to: its key, its label, and the headers (English, Chinese) that suggest it."""

    key: str
    label: Promise
    synonyms: tuple[str, ...] = ()


class Outcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"


class RowRejected(Exception):
    """A row that cannot be imported: ``problems`` maps import field keys ("" for the row) to messages."""

    def __init__(self, problems: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(message for messages in problems.values() for message in messages))
        self.problems = dict(problems)


_NON_WORD = re.compile(r"[\s_\-.:*()（）/\\#]+")


def header_key(header: str) -> str:
    """``" E-mail Address* "`` → ``"emailaddress"``: how a header is compared with the synonyms."""
    return _NON_WORD.sub("", search_key(header))


class Adapter:
    """Base of every adapter. Subclasses set ``key``, ``label``, ``fields`` and ``token_resource``."""

    key: str = ""
    label: Promise
    fields: tuple[FieldSpec, ...] = ()
    # Action field names (in a ValidationError's message_dict) → the import fields they come from.
    error_fields: Mapping[str, tuple[str, ...]] = {}

    def may_import(self, actor: Any) -> bool:
        """Whether ``actor``'s role may create and change this object type (the engine already requires a writer)."""
        return True

    def unwritable_fields(self, actor: Any, keys: list[str]) -> list[str]:
        """The import fields among ``keys`` that ``actor``'s role may not change (field-level security)."""
        return []

    def field_keys(self) -> list[str]:
        return [spec.key for spec in self.fields]

    def field_label(self, key: str) -> str:
        return next((str(spec.label) for spec in self.fields if spec.key == key), key)

    def suggest(self, header: str) -> str:
        """The field a header suggests, or "" (ignore the column)."""
        wanted = header_key(header)
        if not wanted:
            return ""
        for spec in self.fields:
            if wanted == header_key(spec.key) or wanted in {header_key(s) for s in spec.synonyms}:
                return spec.key
        return ""

    def import_row(self, actor: Any, values: Mapping[str, str], dedupe: str) -> Outcome:
        """Import one row's mapped, non-empty values; raises RowRejected. Runs in the caller's transaction."""
        self.check(values)
        values = self.prepare(actor, values)
        matches = self.find_duplicates(actor, values) if dedupe != "create" else []
        try:
            if not matches:
                self.create(actor, values)
                return Outcome.CREATED
            if dedupe == "skip":
                return Outcome.SKIPPED
            if len(matches) > 1:
                message = _("The row matches %(count)d existing records; it is not clear which one to update.")
                raise RowRejected({"": [message % {"count": len(matches)}]})
            self.update(actor, matches[0], values)
            return Outcome.UPDATED
        except ValidationError as exc:
            raise RowRejected(self._problems(exc)) from None

    # --- batches (docs/adr/0043) ------------------------------------------------------------
    batch_rows = 1  # rows per transaction; more only for adapters with a bulk path

    def import_batch(self, actor: Any, rows: Sequence[Mapping[str, str]], dedupe: str) -> list[Any] | None:
        """Import ``rows`` in bulk, in the caller's transaction: per row an Outcome, a RowRejected, or None
        (import that row with :meth:`import_row` after the batch). None: no bulk path, every row by itself.
        Any other exception makes the engine import the batch row by row instead."""
        return None

    def linking_keys(self, values: Mapping[str, str]) -> list[str] | None:
        """What ties a row to other rows of its file (docs/adr/0062): rows sharing a key are imported in file
        order by one lane, as each may find the record the other creates. None: the whole file in one lane."""
        return None

    def problems_of(self, exc: ValidationError) -> RowRejected:
        """An action's ValidationError for a row as the rejection of that row (fields mapped to import fields)."""
        return RowRejected(self._problems(exc))

    def _problems(self, exc: ValidationError) -> dict[str, list[str]]:
        if not hasattr(exc, "error_dict"):
            return {"": list(exc.messages)}
        problems: dict[str, list[str]] = {}
        for name, messages in exc.message_dict.items():
            key = next(iter(self.error_fields.get(name, (name,))), name) if name != "__all__" else ""
            problems.setdefault(key if key in self.field_keys() else "", []).extend(messages)
        return problems

    # --- per type ---------------------------------------------------------------------------
    def check(self, values: Mapping[str, str]) -> None:
        """Refuse a row early when it lacks what every record needs (before any lookup)."""

    def prepare(self, actor: Any, values: Mapping[str, str]) -> Mapping[str, Any]:
        """Resolve the names of other records in a row once, before the duplicate lookup; RowRejected if one is unknown."""
        return values

    def find_duplicates(self, actor: Any, values: Mapping[str, str]) -> list[Any]:
        raise NotImplementedError

    def create(self, actor: Any, values: Mapping[str, str]) -> Any:
        raise NotImplementedError

    def update(self, actor: Any, record_id: Any, values: Mapping[str, str]) -> Any:
        raise NotImplementedError

"""Keyset (cursor) pagination, shared by every HTML list and every API list.

Why not Django's ``Paginator`` or DRF's ``CursorPagination`` (DESIGN.md rule 9): ``Paginator``
uses ``OFFSET`` and ``COUNT(*)``, whose cost grows with the page number and the table; DRF's
cursor paginator only serves DRF views and keeps an offset within ties. Here a list is ordered by
``(sort column, id)``, a page ends at its last row, and the next page asks for the rows after
that row: ``WHERE (col, id) > (value, id) ORDER BY col, id LIMIT n + 1``. Every page runs the
same indexed query, whatever its depth, and nothing is ever counted.

Cursors are opaque: the JSON ``{"o": ordering, "v": value, "k": id, "b": backwards}`` sealed
with AES-256-GCM (key derived by HKDF from SECRET_KEY, old keys from SECRET_KEY_FALLBACKS still
open) and base64url-encoded. Sealing, not just signing, because the value is the last row's
name or email, which must not land in access logs and browser history as readable text
(personal data). A tampered or malformed cursor is refused with a clear
:class:`PaginationError` (HTTP 400), never a server error. A cursor grants nothing: the
queryset it is applied to is already scoped to the user.

Sort columns must be NOT NULL (use ``''`` defaults): SQL orders NULLs differently per database
and a row-value comparison with NULL is never true.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import functools
import json
import operator
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 1024
CURSOR_CONTEXT = b"bastion.kernel.pagination.cursor.v1"
CURSOR_VERSION = b"\x01"

_T = TypeVar("_T", bound=models.Model)


class PaginationError(ValueError):
    """A page request that cannot be served; ``param`` names the query parameter at fault."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Ordering:
    """A public sort key (``name``), the model field behind it and the direction."""

    key: str
    field: str
    descending: bool = False

    @property
    def param(self) -> str:
        """The value of ``?ordering=`` that selects this ordering."""
        return f"-{self.key}" if self.descending else self.key

    @property
    def toggled(self) -> str:
        """The ``?ordering=`` value that sorts by the same key the other way."""
        return self.key if self.descending else f"-{self.key}"


@dataclass(frozen=True)
class SearchBranch:
    """One alternative of a search over several columns: the rows where ``condition`` holds,
    which an index on ``column`` finds (a name search: family name first, or given name first)."""

    condition: Q
    column: str


def matching_any(branches: Sequence[SearchBranch]) -> Q:
    """The rows a search with these alternatives shows: those matching any of them."""
    return functools.reduce(operator.or_, (branch.condition for branch in branches), Q())


@dataclass(frozen=True)
class PageRequest:
    """What the client asked for: an ordering, a page size and maybe a cursor (not yet decoded)."""

    ordering: Ordering
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass
class Page(Generic[_T]):
    """One page of rows with the cursors of its neighbours (``None`` when there is none)."""

    items: list[_T]
    ordering: Ordering
    limit: int
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_first: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class _Cursor:
    value: Any
    pk: Any
    backwards: bool


# --- parsing -----------------------------------------------------------------------


def parse_ordering(value: str | None, orderings: Mapping[str, str], default: str) -> Ordering:
    """``"-name"`` → ``Ordering("name", orderings["name"], descending=True)``; unknown keys are refused."""
    raw = (value or default).strip()
    descending = raw.startswith("-")
    key = raw[1:] if descending else raw
    if key not in orderings:
        allowed = ", ".join(sorted(orderings))
        raise PaginationError("ordering", _("Sort by one of: %(allowed)s (prefix with - to reverse).") % {"allowed": allowed})
    return Ordering(key=key, field=orderings[key], descending=descending)


def parse_limit(value: str | None, *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    if value is None or value == "":
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= maximum:
        raise PaginationError("limit", _("The page size must be a whole number from 1 to %(maximum)d.") % {"maximum": maximum})
    return limit


def parse_page_request(
    params: Mapping[str, Any],
    *,
    orderings: Mapping[str, str],
    default_ordering: str,
    default_limit: int = DEFAULT_LIMIT,
    maximum_limit: int = MAX_LIMIT,
) -> PageRequest:
    """Read ``ordering``, ``limit`` and ``cursor`` from query parameters (a QueryDict or a dict)."""
    cursor = params.get("cursor") or None
    if cursor is not None and len(cursor) > MAX_CURSOR_LENGTH:
        raise PaginationError("cursor", _("This page link is damaged. Go back to the first page."))
    return PageRequest(
        ordering=parse_ordering(params.get("ordering"), orderings, default_ordering),
        limit=parse_limit(params.get("limit"), default=default_limit, maximum=maximum_limit),
        cursor=cursor,
    )


# --- cursors -------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    return value


@functools.lru_cache(maxsize=8)
def _cursor_key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CURSOR_CONTEXT)
    return hkdf.derive(secret.encode())


def _cursor_keys() -> list[bytes]:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_cursor_key(str(secret)) for secret in secrets]


def encode_cursor(ordering: Ordering, value: Any, pk: Any, *, backwards: bool = False) -> str:
    payload = {"o": ordering.param, "v": _jsonable(value), "k": _jsonable(pk), "b": int(backwards)}
    nonce = os.urandom(12)
    sealed = AESGCM(_cursor_keys()[0]).encrypt(nonce, json.dumps(payload, separators=(",", ":")).encode(), CURSOR_CONTEXT)
    return base64.urlsafe_b64encode(CURSOR_VERSION + nonce + sealed).decode().rstrip("=")


def _open_cursor(token: str) -> Any:
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    if raw[:1] != CURSOR_VERSION or len(raw) < 1 + 12 + 16:
        raise ValueError("unknown cursor version")
    for key in _cursor_keys():
        try:
            plain = AESGCM(key).decrypt(raw[1:13], raw[13:], CURSOR_CONTEXT)
        except InvalidTag:
            continue
        return json.loads(plain)
    raise ValueError("cursor sealed with an unknown key")


def _decode_cursor(token: str, ordering: Ordering, model: type[models.Model]) -> _Cursor:
    damaged = PaginationError("cursor", _("This page link is damaged. Go back to the first page."))
    try:
        payload = _open_cursor(token)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise damaged from exc
    if not isinstance(payload, dict) or set(payload) != {"o", "v", "k", "b"} or payload["b"] not in (0, 1):
        raise damaged
    if payload["o"] != ordering.param:
        raise PaginationError("cursor", _("This page link belongs to another sort order. Go back to the first page."))
    try:
        value = model._meta.get_field(ordering.field).to_python(payload["v"])  # type: ignore[union-attr]
        pk = model._meta.pk.to_python(payload["k"])
    except (ValidationError, FieldDoesNotExist, TypeError, ValueError) as exc:
        raise damaged from exc
    if value is None or pk is None:
        raise damaged
    return _Cursor(value=value, pk=pk, backwards=bool(payload["b"]))


# --- the query ---------------------------------------------------------------------


class _Row(Func):
    """A SQL row value: ``(a, b)``."""

    template = "(%(expressions)s)"


class _RowCompare(Func):
    """``(a, b) > (x, y)``: one index range condition on PostgreSQL and SQLite (>= 3.15).

    Django 5.2's tuple lookups fall back to ``a > x OR (a = x AND b > y)`` on SQLite, which
    cannot seek the ``(a, b)`` index, so the comparison is written here.
    """

    template = "%(expressions)s"
    output_field = models.BooleanField()

    def __init__(self, lhs: _Row, rhs: _Row, operator: str) -> None:
        if operator not in {">", "<"}:
            raise ValueError(operator)
        super().__init__(lhs, rhs)
        self.arg_joiner = f" {operator} "


def _after(model: type[models.Model], ordering: Ordering, cursor: _Cursor) -> _RowCompare:
    sort_field = model._meta.get_field(ordering.field)
    pk_field = model._meta.pk
    going_up = ordering.descending == cursor.backwards
    return _RowCompare(
        _Row(F(ordering.field), F("pk")),
        _Row(Value(cursor.value, output_field=sort_field), Value(cursor.pk, output_field=pk_field)),  # type: ignore[arg-type]
        ">" if going_up else "<",
    )


def _order(ordering: Ordering, backwards: bool) -> tuple[str, str]:
    sign = "-" if ordering.descending != backwards else ""
    return (f"{sign}{ordering.field}", f"{sign}pk")


def _cursor_for(row: models.Model, ordering: Ordering, *, backwards: bool) -> str:
    return encode_cursor(ordering, getattr(row, ordering.field), row.pk, backwards=backwards)


def paginate(
    queryset: models.QuerySet[_T], request: PageRequest, *, ids_first: bool = False, any_of: Sequence[SearchBranch] = ()
) -> Page[_T]:
    """Run one keyset page of ``queryset`` (already scoped and filtered) for ``request``.

    ``ids_first``: find the page's primary keys in a subquery, then read (and join) only those
    rows: for filters that match many rows in another order than the page's (a name search on
    two columns), where the database would otherwise read, join and sort every match. The rows
    are those of the same scoped, filtered, ordered query, restricted to its first keys.

    ``any_of``: a search's alternatives (rows matching any of them are shown). With ``ids_first``
    each alternative's first keys are found on its own and the page is the first of their
    union (:func:`_page_keys`).
    """
    ordering = request.ordering
    cursor = _decode_cursor(request.cursor, ordering, queryset.model) if request.cursor else None
    backwards = bool(cursor and cursor.backwards)
    query = queryset.order_by(*_order(ordering, backwards))
    if cursor is not None:
        query = query.filter(_after(queryset.model, ordering, cursor))
    unsearched = query
    if any_of:
        query = query.filter(matching_any(any_of))
    if ids_first:
        keys = _page_keys(unsearched, query, any_of, ordering, backwards, request.limit + 1)
        rows = list(query.filter(pk__in=keys)[: request.limit + 1])
    else:
        rows = list(query[: request.limit + 1])
    more = len(rows) > request.limit
    rows = rows[: request.limit]
    if backwards:
        if not rows:  # the rows before were deleted in the meantime: show the first page
            return paginate(queryset, PageRequest(ordering=ordering, limit=request.limit), ids_first=ids_first, any_of=any_of)
        rows.reverse()
        previous = _cursor_for(rows[0], ordering, backwards=True) if more else None
        return Page(rows, ordering, request.limit, _cursor_for(rows[-1], ordering, backwards=False), previous, not more)
    next_cursor = _cursor_for(rows[-1], ordering, backwards=False) if more else None
    previous = _cursor_for(rows[0], ordering, backwards=True) if cursor is not None and rows else None
    return Page(rows, ordering, request.limit, next_cursor, previous, cursor is None)


def _page_keys(
    unsearched: models.QuerySet[Any],
    searched: models.QuerySet[Any],
    any_of: Sequence[SearchBranch],
    ordering: Ordering,
    backwards: bool,
    count: int,
) -> models.QuerySet[Any]:
    """The first ``count`` keys of the page, as a subquery.

    With several search alternatives, on a database that takes ``LIMIT`` in the parts of a
    ``UNION`` (PostgreSQL), each alternative's first keys are found on its own and the page
    reads the first of their union: the same rows as the ``OR``, whose plan PostgreSQL would
    otherwise choose by walking the page order's index and filtering, which costs the position
    of the matches in that order (50,000 rows read for a 'wil' at 100,000 contacts) rather
    than their number. An alternative on another column than the page's order is sorted by
    ``COALESCE(column)``, the same value and collation, which the planner cannot match to the
    page order's index: it reads the alternative's matches from its own index and sorts them.
    """
    keys = searched.prefetch_related(None).values("pk")
    if len(any_of) < 2 or not connections[unsearched.db].features.supports_slicing_ordering_in_compound:
        return keys[:count]
    descending = ordering.descending != backwards
    parts = []
    for branch in any_of:
        part = unsearched.prefetch_related(None).filter(branch.condition).values("pk")
        if branch.column != ordering.field:
            by_value = Func(F(ordering.field), function="COALESCE")
            part = part.order_by(by_value.desc() if descending else by_value.asc(), "-pk" if descending else "pk")
        parts.append(part[:count])
    return parts[0].union(*parts[1:])


# --- REST API helpers ------------------------------------------------------------------


def api_page_request(request: Request, *, orderings: Mapping[str, str], default_ordering: str) -> PageRequest:
    """:func:`parse_page_request` for a DRF request: bad parameters become a 400 naming the parameter."""
    try:
        return parse_page_request(request.query_params, orderings=orderings, default_ordering=default_ordering)
    except PaginationError as exc:
        raise api_error(exc) from exc


def api_error(exc: PaginationError) -> ApiValidationError:
    return ApiValidationError({exc.param: [exc.message]})


def api_envelope(request: Request, page: Page[Any], results: Any) -> dict[str, Any]:
    """The body of a list response: ``{"next": url|null, "previous": url|null, "results": [...]}``."""
    url = request.build_absolute_uri()

    def link(cursor: str | None) -> str | None:
        return replace_query_param(url, "cursor", cursor) if cursor else None

    return {"next": link(page.next_cursor), "previous": link(page.previous_cursor), "results": results}


def api_page_parameters(orderings: Mapping[str, str], default_ordering: str) -> list[OpenApiParameter]:
    """The OpenAPI description of ``ordering``, ``limit`` and ``cursor``."""
    keys = sorted(orderings)
    return [
        OpenApiParameter(
            "ordering",
            OpenApiTypes.STR,
            description=f"Sort key, prefix with `-` to reverse. Default `{default_ordering}`.",
            enum=[*keys, *(f"-{key}" for key in keys)],
        ),
        OpenApiParameter("limit", OpenApiTypes.INT, description=f"Page size, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."),
        OpenApiParameter("cursor", OpenApiTypes.STR, description="Opaque cursor from a previous response's `next`/`previous`."),
    ]


_ENVELOPES: dict[str, type[serializers.Serializer[Any]]] = {}


def api_envelope_serializer(item: type[serializers.BaseSerializer[Any]]) -> type[serializers.Serializer[Any]]:
    """A serializer class describing the paginated envelope of ``item`` (for the OpenAPI schema)."""
    name = f"Paginated{item.__name__.removesuffix('Serializer')}List"
    if name not in _ENVELOPES:
        attrs: dict[str, Any] = {
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last page."),
            "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null on the first page."),
            "results": item(many=True),
            "__module__": __name__,
        }
        envelope = type(f"{name}Serializer", (serializers.Serializer,), attrs)
        # A list view's response is this object, not an array of it.
        _ENVELOPES[name] = extend_schema_serializer(many=False)(envelope)
    return _ENVELOPES[name]

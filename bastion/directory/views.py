"""Directory views shared by companies and contacts, and the search page.

Views are thin (DESIGN.md): they parse the request, call a selector or an action and render.
Company and contact pages live in views_companies.py and views_contacts.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from bastion.accounts import limits
from bastion.directory import fieldsecurity
from bastion.kernel.access.masking import FieldNotVisible, masked_context
from bastion.kernel.access.scoping import can_change_customer_records, can_see_customer_records
from bastion.kernel.pagination import Ordering, PaginationError
from bastion.sales.selectors_search import search_customer_records

View = Callable[..., HttpResponse]


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """A 403 page that says why, and shows no record (the refusal is audited)."""
    from bastion.kernel.audit.denied import record_denied

    record_denied(request, reason=message, status=403)
    return render(request, "directory/forbidden.html", {"message": message}, status=403)


def reader_required(view: View) -> View:
    """Signed in, with a role that reads customer records (the auditor's does not): else 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_see_customer_records(request.user):
            return forbidden(request, _("Your role does not give access to customer records."))
        return view(request, *args, **kwargs)

    return wrapped


def writer_required(view: View) -> View:
    """Signed in, with a role that changes customer records: else 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_see_customer_records(request.user):
            return forbidden(request, _("Your role does not give access to customer records."))
        if not can_change_customer_records(request.user):
            return forbidden(request, _("Your role can read companies and contacts but not change them."))
        return view(request, *args, **kwargs)

    return wrapped


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render_masked(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """Render with every record in ``context`` masked for the user (field-level security, one place for pages)."""
    return render(request, template, masked_context(request.user, context), status=status)


def render_list(request: HttpRequest, page: str, fragment: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """The whole page, or only the results fragment for htmx (search, sort and paging swap it); records masked."""
    htmx = is_htmx(request)
    response = render_masked(request, fragment if htmx else page, {**context, "htmx": htmx}, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def bad_page_request(request: HttpRequest, error: PaginationError, *, nav: str, back: str) -> HttpResponse:
    """A 400 page for a damaged cursor, a page size out of range or an unknown sort order."""
    context = {"nav": nav, "message": error.message, "param": error.param, "back": back}
    return render(request, "directory/bad_request.html", context, status=400)


def refused_search(request: HttpRequest, text: str, *, nav: str, back: str, contacts: bool = True) -> HttpResponse | None:
    """A 400 page (audited as a denial) when ``text`` searches by a field the user's role may not see,
    a 429 page when the user or their address searched too often; else None (the search may run)."""
    if not text.strip():
        return None
    try:
        if contacts:
            fieldsecurity.check_contact_search(request.user, text)
    except FieldNotVisible as error:
        from bastion.kernel.audit.denied import record_denied

        message = fieldsecurity.refusal_message(error)
        record_denied(request, reason=f"field_not_visible:{error.field}", status=400)
        context = {"nav": nav, "message": message, "param": error.param, "back": back}
        return render(request, "directory/bad_request.html", context, status=400)
    hit = limits.check_request(request, "search")
    if hit is not None:
        return render(request, "directory/rate_limited.html", {"nav": nav, "message": limits.refusal_message(hit)}, status=429)
    return None


def sort_columns(ordering: Ordering, columns: Sequence[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Header links: each sortable column with the ``ordering`` its link selects and its aria-sort."""
    headers = []
    for key, label in columns:
        active = key == ordering.key
        headers.append(
            {
                "key": key,
                "label": label,
                "param": ordering.toggled if active else key,
                "aria_sort": ("descending" if ordering.descending else "ascending") if active else "none",
                "arrow": ("▼" if ordering.descending else "▲") if active else "",
            }
        )
    return headers


SEARCH_HINT = gettext_lazy("Type the beginning of a name, or a whole email address or phone number.")


@reader_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """One box for companies, contacts, deals and leads: name prefix, or an exact email address or phone number."""
    query = request.GET.get("q", "")[:200]
    refused = refused_search(request, query, nav="search", back=reverse("directory:search"))
    if refused is not None:
        return refused
    results = search_customer_records(request.user, query)
    context = {"nav": "search", "results": results, "query": results.query, "hint": SEARCH_HINT}
    return render_list(request, "directory/search.html", "directory/_search_results.html", context)

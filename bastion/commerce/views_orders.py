"""Order pages: the list with totals, detail with lines, create, edit (with line items), status, delete.

Views are thin (DESIGN.md): they parse the request, call a selector or an action and render.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bastion.commerce import actions, selectors
from bastion.commerce.access import access_order_by_id, can_take_orders
from bastion.commerce.forms import OrderFilterForm, OrderForm, StatusForm
from bastion.commerce.models import OrderStatus
from bastion.directory import selectors as directory
from bastion.directory.access import parse_uuid
from bastion.directory.forms import valid_filters
from bastion.directory.names import query_key
from bastion.directory.views import bad_page_request, forbidden, reader_required, render_list, sort_columns
from bastion.kernel.pagination import PaginationError, parse_page_request
from bastion.sales import selectors as sales
from bastion.sales.actions import known_currencies
from bastion.sales.money import base_currency

COLUMNS = [("ordered", gettext_lazy("Ordered")), ("total", gettext_lazy("Total")), ("updated", gettext_lazy("Updated"))]
# The "Sort by" select of the list (keys of selectors.ORDER_ORDERINGS, as the column headers use).
SORT_CHOICES = [
    ("-ordered", gettext_lazy("Newest first")),
    ("ordered", gettext_lazy("Oldest first")),
    ("-total", gettext_lazy("Largest total first")),
    ("total", gettext_lazy("Smallest total first")),
    ("-updated", gettext_lazy("Recently changed first")),
    ("updated", gettext_lazy("Least recently changed first")),
]
MORE_LINES = 3


def seller_required(view: Any) -> Any:
    """A reader (else 403) whose role takes orders (else 403 that says why)."""

    @reader_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_take_orders(request.user):
            return forbidden(request, _("Your role can read orders but not change them."))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def order_filters(form: OrderFilterForm) -> selectors.OrderFilters:
    """The list's filters from its form (a bad value is shown as an error and ignored); the export uses them too."""
    values = valid_filters(form)
    return selectors.OrderFilters(q=(values.get("q") or "").strip(), status=values.get("status") or "")


@reader_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET)
    filters = order_filters(form)
    try:
        page_request = parse_page_request(
            request.GET, orderings=selectors.ORDER_ORDERINGS, default_ordering=selectors.DEFAULT_ORDER_ORDERING
        )
        page = selectors.order_page(request.user, filters, page_request)
    except PaginationError as error:
        return bad_page_request(request, error, nav="orders", back=reverse("commerce:order-list"))
    context = {
        "nav": "orders",
        "form": form,
        "page": page,
        "query": filters.q,
        "filtered": selectors.has_q(filters),
        "totals": selectors.order_totals(request.user, filters),
        "base_currency": base_currency(),
        "columns": {column["key"]: column for column in sort_columns(page.ordering, COLUMNS)},
        "sort_choices": SORT_CHOICES,
        "can_edit": can_take_orders(request.user),
    }
    # The htmx fragment is the results and, out of band, the export link with the new filters.
    return render_list(request, "commerce/orders/list.html", "commerce/orders/_results_swap.html", context)


@reader_required
@require_GET
def order_detail(request: HttpRequest, order_id: UUID) -> HttpResponse:
    order = access_order_by_id(request.user, order_id)
    context = {
        "nav": "orders",
        "order": order,
        "lines": selectors.lines_of(request.user, order),
        "statuses": selectors.status_history(request.user, order),
        "next_statuses": [
            (status, OrderStatus(status).label, status in actions.FINAL) for status in actions.next_statuses(order.status)
        ],
        "deletable": order.status in actions.DELETABLE,
        "base_currency": base_currency(),
        "can_edit": can_take_orders(request.user),
    }
    return render(request, "commerce/orders/detail.html", context)


def _order_form(
    request: HttpRequest, data: Any = None, *, initial: Any = None, lines: Any = None, keep: Any = None, extra: int = MORE_LINES
) -> OrderForm:
    return OrderForm(
        data,
        initial=initial,
        lines=lines,
        extra_lines=extra if data is None else 0,
        products=selectors.active_products(request.user),
        currencies=sorted(known_currencies()),
        owners=directory.assignable_owners(keep=keep),
        teams=sales.teams(),
    )


def _resolve(request: HttpRequest, form: OrderForm) -> tuple[Any, Any, bool]:
    """The company and contact the form names (by hidden id when it still matches the name, else by name)."""
    data = form.cleaned_data
    company = contact = None
    ok = True
    if (data.get("company_name") or "").strip():
        matches = directory.companies_named(request.user, data["company_name"])
        chosen = [c for c in matches if c.pk == data.get("company_id")]
        company = chosen[0] if chosen else (matches[0] if len(matches) == 1 else None)
        if company is None:
            ok = False
            message = _("No company you can see has this name.") if not matches else _("Several companies have this name.")
            form.add_error("company_name", message)
    if (data.get("contact_name") or "").strip():
        contacts = directory.contact_queryset(request.user).filter(name_search=query_key(data["contact_name"]))
        if company is not None:
            contacts = contacts.filter(company=company)
        found = list(contacts.only("id", "given_name", "family_name", "preferred_language")[:5])
        picked = [c for c in found if c.pk == data.get("contact_id")]
        contact = picked[0] if picked else (found[0] if len(found) == 1 else None)
        if contact is None:
            ok = False
            form.add_error(
                "contact_name",
                _("No contact you can see has this name.")
                if not found
                else _("Several contacts have this name. Open the contact's page and add the order from there."),
            )
    return company, contact, ok


def _form_page(request: HttpRequest, form: OrderForm, order: Any = None, *, status: int = 200) -> HttpResponse:
    return render(request, "commerce/orders/form.html", {"nav": "orders", "form": form, "order": order}, status=status)


def _initial(request: HttpRequest) -> dict[str, Any]:
    """A new order: the base currency, the actor as owner; ``?contact=`` / ``?company=`` fill in the customer."""
    initial: dict[str, Any] = {"owner": request.user.pk, "currency": base_currency()}
    contact_id, company_id = parse_uuid(request.GET.get("contact")), parse_uuid(request.GET.get("company"))
    contact = (
        directory.contact_queryset(request.user).select_related("company").filter(pk=contact_id).first() if contact_id else None
    )
    company = directory.company_queryset(request.user).filter(pk=company_id).first() if company_id else None
    if contact is not None:
        initial.update(contact_name=contact.display_name, contact_id=contact.pk)
        company = company or contact.company
    if company is not None:
        initial.update(company_name=company.name, company_id=company.pk)
    return initial


def _first_lines(request: HttpRequest) -> list[dict[str, Any]]:
    """``?product=`` (from a product's page) starts the order with one of it, if it is active and visible."""
    product_id = parse_uuid(request.GET.get("product"))
    product = selectors.product_queryset(request.user).filter(pk=product_id, is_active=True).first() if product_id else None
    return [{"product": str(product.pk), "quantity": 1}] if product is not None else []


def _more_lines(request: HttpRequest, bound: OrderForm, keep: Any) -> OrderForm:
    """The form as typed so far, with more empty line rows ("Add lines": no script needed)."""
    initial = {name: bound[name].value() for name in bound.fields}
    lines = bound.product_lines.as_typed()
    return _order_form(request, initial=initial, lines=lines, keep=keep)


def _save(request: HttpRequest, form: OrderForm, order: Any) -> HttpResponse | None:
    """Run the action when the form is complete; None when the form must be shown again."""
    if not form.is_valid():
        return None
    company, contact, ok = _resolve(request, form)
    if not ok:
        return None
    try:
        if order is None:
            order = actions.create_order(request.user, form.action_data(company, contact))
            messages.success(request, _("Order %(number)s added.") % {"number": order.number})
        else:
            actions.update_order(request.user, order.pk, form.action_data(company, contact))
            messages.success(request, _("Changes to order %(number)s saved.") % {"number": order.number})
    except ValidationError as error:
        form.add_action_errors(error)
        return None
    except PermissionDenied as error:
        return forbidden(request, str(error))
    return redirect("commerce:order-detail", order_id=order.pk)


@seller_required
@require_http_methods(["GET", "POST"])
def order_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, _order_form(request, initial=_initial(request), lines=_first_lines(request)))
    form = _order_form(request, request.POST)
    if "add_lines" in request.POST:
        return _form_page(request, _more_lines(request, form, None))
    return _save(request, form, None) or _form_page(request, form, status=400)


def _lines_initial(request: HttpRequest, order: Any) -> list[dict[str, Any]]:
    return [
        {"product": str(line.product_id or ""), "description": line.description, "quantity": line.quantity,
         "unit_price": line.unit_price}
        for line in selectors.lines_of(request.user, order)
    ]  # fmt: skip


@seller_required
@require_http_methods(["GET", "POST"])
def order_edit(request: HttpRequest, order_id: UUID) -> HttpResponse:
    order = access_order_by_id(request.user, order_id, for_write=True)
    if request.method != "POST":
        initial, lines = OrderForm.initial_for(order), _lines_initial(request, order)
        return _form_page(request, _order_form(request, initial=initial, lines=lines, keep=order.owner_id), order)
    form = _order_form(request, request.POST, keep=order.owner_id)
    if "add_lines" in request.POST:
        return _form_page(request, _more_lines(request, form, order.owner_id), order)
    return _save(request, form, order) or _form_page(request, form, order, status=400)


@seller_required
@require_POST
def order_status(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """One of the detail page's status buttons; a final one (cancelled, refunded) is asked first unless ``confirmed``."""
    order = access_order_by_id(request.user, order_id, for_write=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the status to move the order to."))
        return redirect("commerce:order-detail", order_id=order.pk)
    status = form.cleaned_data["status"]
    allowed = status in actions.TRANSITIONS.get(order.status, frozenset())  # else the action says why, unasked
    if status in actions.FINAL and allowed and request.POST.get("confirmed") != "yes":
        context = {"nav": "orders", "order": order, "status": status, "label": OrderStatus(status).label}
        return render(request, "commerce/orders/confirm_status.html", context)
    try:
        order = actions.change_order_status(request.user, order.pk, status)
    except ValidationError as error:
        messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
    except PermissionDenied as error:
        return forbidden(request, str(error))
    else:
        label = OrderStatus(order.status).label
        messages.success(request, _("Order %(number)s is now %(status)s.") % {"number": order.number, "status": label})
    return redirect("commerce:order-detail", order_id=order.pk)


@seller_required
@require_http_methods(["GET", "POST"])
def order_delete(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """GET (or POST without ``confirmed``) asks; POST with ``confirmed`` deletes a draft or cancelled order."""
    order = access_order_by_id(request.user, order_id, for_write=True)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            actions.delete_order(request.user, order.pk)
        except ValidationError as error:
            messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
            return redirect("commerce:order-detail", order_id=order.pk)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        messages.success(request, _("Order %(number)s deleted.") % {"number": order.number})
        return redirect("commerce:order-list")
    context = {"nav": "orders", "order": order, "deletable": order.status in actions.DELETABLE}
    return render(request, "commerce/orders/confirm_delete.html", context)

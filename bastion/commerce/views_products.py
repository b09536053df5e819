"""Product catalogue pages: the list (every customer-data role) and add, edit, delete (administrators)."""

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
from django.views.decorators.http import require_GET, require_http_methods

from bastion.commerce import actions, selectors
from bastion.commerce.access import access_product_by_id, can_manage_catalogue, can_take_orders
from bastion.commerce.forms import ProductFilterForm, ProductForm
from bastion.directory.forms import valid_filters
from bastion.directory.views import bad_page_request, forbidden, reader_required, render_list, sort_columns
from bastion.kernel.pagination import PaginationError, parse_page_request
from bastion.sales.actions import known_currencies
from bastion.sales.money import base_currency

COLUMNS = [("name", gettext_lazy("Name")), ("price", gettext_lazy("Unit price")), ("updated", gettext_lazy("Updated"))]
# The "Sort by" select of the list (keys of selectors.PRODUCT_ORDERINGS, as the column headers use).
SORT_CHOICES = [
    ("name", gettext_lazy("Name, A to Z")),
    ("-name", gettext_lazy("Name, Z to A")),
    ("price", gettext_lazy("Lowest price first")),
    ("-price", gettext_lazy("Highest price first")),
    ("-updated", gettext_lazy("Recently changed first")),
    ("updated", gettext_lazy("Least recently changed first")),
]
ACTIVE = {"yes": True, "no": False}


def admin_required(view: Any) -> Any:
    """A reader (else 403) who is an administrator (else 403 that says why)."""

    @reader_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_manage_catalogue(request.user):
            return forbidden(request, _("Only an administrator can change the product catalogue."))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def product_filters(form: ProductFilterForm) -> selectors.ProductFilters:
    """The list's filters from its form (a bad value is shown as an error and ignored); the export uses them too."""
    values = valid_filters(form)
    return selectors.ProductFilters(q=(values.get("q") or "").strip(), active=ACTIVE.get(values.get("active") or ""))


@reader_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET)
    filters = product_filters(form)
    try:
        page_request = parse_page_request(
            request.GET, orderings=selectors.PRODUCT_ORDERINGS, default_ordering=selectors.DEFAULT_PRODUCT_ORDERING
        )
        page = selectors.product_page(request.user, filters, page_request)
    except PaginationError as error:
        return bad_page_request(request, error, nav="products", back=reverse("commerce:product-list"))
    context = {
        "nav": "products",
        "form": form,
        "page": page,
        "query": filters.q,
        "filtered": filters != selectors.ProductFilters(),
        "columns": {column["key"]: column for column in sort_columns(page.ordering, COLUMNS)},
        "sort_choices": SORT_CHOICES,
        "can_configure": can_manage_catalogue(request.user),
    }
    # The htmx fragment is the results and, out of band, the export link with the new filters.
    return render_list(request, "commerce/products/list.html", "commerce/products/_results_swap.html", context)


@reader_required
@require_GET
def product_detail(request: HttpRequest, product_id: UUID) -> HttpResponse:
    """A product: its catalogue entry, and where it sells among the orders and open deals the user can see."""
    product = access_product_by_id(request.user, product_id)
    context = {
        "nav": "products",
        "product": product,
        "sales": selectors.product_sales(request.user, product),
        "can_configure": can_manage_catalogue(request.user),
        "can_order": can_take_orders(request.user),
    }
    return render(request, "commerce/products/detail.html", context)


def _form(data: Any = None, *, initial: Any = None) -> ProductForm:
    return ProductForm(data, initial=initial, currencies=sorted(known_currencies()))


def _form_page(request: HttpRequest, form: ProductForm, product: Any = None, *, status: int = 200) -> HttpResponse:
    context = {"nav": "products", "form": form, "product": product}
    return render(request, "commerce/products/form.html", context, status=status)


def _data(form: ProductForm) -> dict[str, Any]:
    return {**form.cleaned_data, "sku": form.cleaned_data.get("sku") or ""}


@admin_required
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, _form(initial={"currency": base_currency(), "is_active": True}))
    form = _form(request.POST)
    if form.is_valid():
        try:
            product = actions.create_product(request.user, _data(form))
        except ValidationError as error:
            form.add_action_errors(error)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        else:
            messages.success(request, _("Product “%(name)s” added.") % {"name": product.name})
            return redirect("commerce:product-detail", product_id=product.pk)
    return _form_page(request, form, status=400)


@admin_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_id: UUID) -> HttpResponse:
    product = access_product_by_id(request.user, product_id)
    if request.method != "POST":
        return _form_page(request, _form(initial=ProductForm.initial_for(product)), product)
    form = _form(request.POST)
    if form.is_valid():
        try:
            actions.update_product(request.user, product.pk, _data(form))
        except ValidationError as error:
            form.add_action_errors(error)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        else:
            messages.success(request, _("Changes to “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
            return redirect("commerce:product-detail", product_id=product.pk)
    return _form_page(request, form, product, status=400)


@admin_required
@require_http_methods(["GET", "POST"])
def product_delete(request: HttpRequest, product_id: UUID) -> HttpResponse:
    """GET (or POST without ``confirmed``) asks; POST with ``confirmed`` deletes, or explains why not."""
    product = access_product_by_id(request.user, product_id)
    in_use = selectors.product_in_use(request.user, product)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            actions.delete_product(request.user, product.pk)
        except ValidationError as error:
            messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
            return redirect("commerce:product-edit", product_id=product.pk)
        except PermissionDenied as error:
            return forbidden(request, str(error))
        messages.success(request, _("Product “%(name)s” deleted.") % {"name": product.name})
        return redirect("commerce:product-list")
    context = {"nav": "products", "product": product, "in_use": in_use}
    return render(request, "commerce/products/confirm_delete.html", context)

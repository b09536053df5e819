"""A deal's products (ADR 0044): the product lines page. With lines, the deal's amount is their total;
when the deal is won they become the lines of the customer's order."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bastion.commerce.forms import ProductLines
from bastion.commerce.selectors import active_products
from bastion.directory.views import forbidden, writer_required
from bastion.sales import actions, selectors
from bastion.sales.access import access_deal_by_id


def _products(request: HttpRequest, lines: list[Any]) -> list[Any]:
    """Active products, and any product already on the deal (withdrawn since, it may stay)."""
    products = active_products(request.user)
    known = {product.pk for product in products}
    return products + [line.product for line in lines if line.product is not None and line.product.pk not in known]


def _page(request: HttpRequest, deal: Any, lines: ProductLines, *, status: int = 200) -> HttpResponse:
    context = {"nav": "deals", "deal": deal, "lines": lines.formset}
    return render(request, "sales/deals/products.html", context, status=status)


@writer_required
@require_http_methods(["GET", "POST"])
def deal_products(request: HttpRequest, deal_id: UUID) -> HttpResponse:
    deal = access_deal_by_id(request.user, deal_id, for_write=True)
    current = selectors.deal_lines(request.user, deal)
    products = _products(request, current)
    if request.method != "POST":
        rows = [
            {"product": str(line.product_id or ""), "description": line.description, "quantity": line.quantity,
             "unit_price": line.unit_price}
            for line in current
        ]  # fmt: skip
        return _page(request, deal, ProductLines(lines=rows, products=products))
    typed = ProductLines(request.POST, products=products, extra_lines=0)
    if "add_lines" in request.POST:
        return _page(request, deal, ProductLines(lines=typed.as_typed(), products=products))
    if typed.is_valid():
        try:
            actions.update_deal(request.user, deal.pk, {"lines": typed.data()})
        except ValidationError as error:
            for messages_about_deal in typed.add_errors(error.message_dict).values():
                messages.error(request, " ".join(messages_about_deal))
        except PermissionDenied as error:
            return forbidden(request, str(error))
        else:
            messages.success(request, _("Products of “%(name)s” saved.") % {"name": deal.name})
            return redirect("sales:deal-detail", deal_id=deal.pk)
    return _page(request, deal, typed, status=400)

"""The history tab of companies and contacts, and the audited detail pages (``record.viewed``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from bastion.directory.access import access_company_by_id, access_contact_by_id
from bastion.directory.audit import record_view
from bastion.directory.views import reader_required
from bastion.kernel.audit.selectors import history_of
from bastion.kernel.audit.writer import Target

View = Callable[..., HttpResponse]


def audited_detail(view: View, target_type: str, id_kwarg: str) -> View:
    """``view`` (a detail page) with every successful display recorded as ``record.viewed``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            with transaction.atomic():
                record_view(request.user, Target(target_type, str(kwargs[id_kwarg])))
        return response

    return wrapped


@reader_required
@require_GET
def company_history(request: HttpRequest, company_id: UUID) -> HttpResponse:
    company = access_company_by_id(request.user, company_id)
    back = reverse("directory:company-detail", kwargs={"company_id": company.pk})
    context = {"nav": "companies", "events": history_of("directory.company", str(company.pk)), "back": back}
    return render(request, "directory/history/page.html", context)


@reader_required
@require_GET
def contact_history(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    contact = access_contact_by_id(request.user, contact_id)
    back = reverse("directory:contact-detail", kwargs={"contact_id": contact.pk})
    context = {"nav": "contacts", "events": history_of("directory.contact", str(contact.pk)), "back": back}
    return render(request, "directory/history/page.html", context)

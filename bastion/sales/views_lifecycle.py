"""A person's lifecycle stage by hand (contacts and leads) and the lifecycle policy (ADR 0044)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.directory.models import LifecycleStage
from bastion.directory.views import forbidden, writer_required
from bastion.sales import lifecycle
from bastion.sales.forms_lifecycle import LifecyclePolicyForm, LifecycleStageForm
from bastion.sales.views_setup import admin_required


def _set_stage(request: HttpRequest, call: Callable[[str], Any], back: HttpResponse) -> HttpResponse:
    form = LifecycleStageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a lifecycle stage from the list."))
        return back
    stage = form.cleaned_data["lifecycle_stage"]
    try:
        call(stage)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        return forbidden(request, str(error))
    else:
        messages.success(request, _("Lifecycle stage is now “%(stage)s”.") % {"stage": LifecycleStage(stage).label})
    return back


@writer_required
@require_POST
def contact_lifecycle(request: HttpRequest, contact_id: UUID) -> HttpResponse:
    back = redirect("directory:contact-detail", contact_id=contact_id)
    return _set_stage(request, lambda stage: lifecycle.set_contact_lifecycle_stage(request.user, contact_id, stage), back)


@writer_required
@require_POST
def lead_lifecycle(request: HttpRequest, lead_id: UUID) -> HttpResponse:
    back = redirect("sales:lead-detail", lead_id=lead_id)
    return _set_stage(request, lambda stage: lifecycle.set_lead_lifecycle_stage(request.user, lead_id, stage), back)


@admin_required
@require_POST
def lifecycle_policy(request: HttpRequest) -> HttpResponse:
    """The qualifying score and churn period (``lifecycle.set_lifecycle_policy``)."""
    form = LifecyclePolicyForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.set_lifecycle_policy(request.user, form.cleaned_data)
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("Lifecycle settings saved."))
            return redirect("sales:setup")
    context = {"nav": "sales-setup", "form": form, "title": _("Lifecycle settings")}
    return render(request, "sales/setup/form.html", context, status=400)

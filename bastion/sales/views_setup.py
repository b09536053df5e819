"""Sales set-up pages (administrators): pipelines, their stages and exchange rates.

Every role that reads customer records may look at the set-up; only administrators see the
forms, and the actions refuse anyone else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bastion.accounts.selectors import all_teams
from bastion.directory.models import Industry
from bastion.directory.views import forbidden, reader_required
from bastion.sales import actions_routing, actions_setup, selectors
from bastion.sales.access import access_pipeline_by_id, access_stage_by_id, can_configure_sales
from bastion.sales.forms import ExchangeRateForm, LeadRoutingForm, PipelineForm, StageForm, TerritoryRuleForm
from bastion.sales.forms_lifecycle import LifecyclePolicyForm
from bastion.sales.money import base_currency

View = Callable[..., HttpResponse]


def admin_required(view: View) -> View:
    """A reader (reader_required) who is also an administrator: else 403."""

    @reader_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_configure_sales(request.user):
            return forbidden(request, _("Only an administrator can change pipelines, stages and exchange rates."))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@reader_required
@require_GET
def setup(request: HttpRequest) -> HttpResponse:
    context = {
        "nav": "sales-setup",
        "pipelines": selectors.pipelines(request.user),
        "rates": selectors.exchange_rates(request.user),
        "base_currency": base_currency(),
        "can_configure": can_configure_sales(request.user),
        "rate_form": ExchangeRateForm(),
        "embed_origins": settings.BASTION_LEAD_FORM_EMBED_ORIGINS,
        **_routing_context(request.user),
        "scoring_rules": selectors.scoring_rules(request.user),
        **_lifecycle_context(request.user),
    }
    return render(request, "sales/setup/index.html", context)


def _lifecycle_context(user: Any) -> dict[str, Any]:
    policy = selectors.lifecycle_policy(user)
    initial = {"qualifying_score": policy.qualifying_score, "churn_after_days": policy.churn_after_days}
    return {"lifecycle_policy": policy, "lifecycle_form": LifecyclePolicyForm(initial=initial)}


def _routing_context(user: Any) -> dict[str, Any]:
    routing = selectors.lead_routing(user)
    form = LeadRoutingForm(initial={"team": str(routing.team_id or "")}, teams=all_teams())
    people = selectors.lead_receivers(user, routing)
    territory_form = TerritoryRuleForm(people=people, industries=Industry.choices)
    return {
        "routing": routing, "routing_form": form, "lead_receivers": people, "territory_form": territory_form,
        "territories": selectors.territory_rules(user),
    }  # fmt: skip


@admin_required
@require_POST
def lead_routing(request: HttpRequest) -> HttpResponse:
    """Choose the team that receives web-form leads (``actions_routing.set_lead_routing``)."""
    teams = all_teams()
    form = LeadRoutingForm(request.POST, teams=teams)
    team = teams.filter(pk=form.cleaned_data["team"]).first() if form.is_valid() and form.cleaned_data["team"] else None
    done = (
        _("Web-form leads now go to the team %(team)s.") % {"team": team.name}
        if team
        else _("Web-form leads now go to administrators only.")
    )
    response = _submit(request, form, lambda data: actions_routing.set_lead_routing(request.user, data.get("team")), done)
    if response is not None:
        return response
    return _form_page(request, form, _("Route web-form leads"), status=400)


@admin_required
@require_POST
def territory_create(request: HttpRequest) -> HttpResponse:
    """Add a territory rule (``actions_routing.add_territory_rule``)."""
    people = selectors.lead_receivers(request.user, selectors.lead_routing(request.user))
    form = TerritoryRuleForm(request.POST, people=people, industries=Industry.choices)
    done = _("Territory added: matching web-form leads now go to its colleague.")
    response = _submit(request, form, lambda data: actions_routing.add_territory_rule(request.user, data), done)
    if response is not None:
        return response
    return _form_page(request, form, _("Add a territory"), status=400)


@admin_required
@require_POST
def territory_delete(request: HttpRequest, rule_id: UUID) -> HttpResponse:
    actions_routing.delete_territory_rule(request.user, rule_id)
    messages.success(request, _("Territory removed."))
    return redirect("sales:setup")


def _form_page(request: HttpRequest, form: Form, title: str, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"nav": "sales-setup", "form": form, "title": title, **extra}
    return render(request, "sales/setup/form.html", context, status=status)


def _submit(request: HttpRequest, form: Any, call: Callable[[dict[str, Any]], Any], done: str) -> HttpResponse | None:
    """Run the action with the form's data; None (and errors on the form) when it was refused."""
    if not form.is_valid():
        return None
    data = {name: value for name, value in form.cleaned_data.items() if value is not None}
    try:
        call(data)
    except ValidationError as error:
        form.add_action_errors(error)
        return None
    except PermissionDenied as error:
        return forbidden(request, str(error))
    messages.success(request, done)
    return redirect("sales:setup")


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_create(request: HttpRequest) -> HttpResponse:
    form = PipelineForm(request.POST or None)
    if request.method == "POST":
        done = _("Pipeline “%(name)s” added.") % {"name": request.POST.get("name", "")}
        response = _submit(request, form, lambda data: actions_setup.create_pipeline(request.user, data), done)
        if response is not None:
            return response
    return _form_page(request, form, _("Add pipeline"), status=400 if form.is_bound else 200)


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request: HttpRequest, pipeline_id: UUID) -> HttpResponse:
    pipeline = access_pipeline_by_id(request.user, pipeline_id)
    initial = {"name": pipeline.name, "position": pipeline.position, "is_default": pipeline.is_default}
    form = PipelineForm(request.POST or None, initial=initial)
    if request.method == "POST":
        done = _("Changes to “%(name)s” saved.") % {"name": request.POST.get("name", "")}
        response = _submit(request, form, lambda data: actions_setup.update_pipeline(request.user, pipeline.pk, data), done)
        if response is not None:
            return response
    title = _("Edit pipeline “%(name)s”") % {"name": pipeline.name}
    return _form_page(request, form, title, status=400 if form.is_bound else 200, pipeline=pipeline)


@admin_required
@require_http_methods(["GET", "POST"])
def stage_create(request: HttpRequest, pipeline_id: UUID) -> HttpResponse:
    pipeline = access_pipeline_by_id(request.user, pipeline_id)
    form = StageForm(request.POST or None, initial={"probability": 10, "kind": "open"})
    if request.method == "POST":
        done = _("Stage “%(name)s” added.") % {"name": request.POST.get("name", "")}
        response = _submit(request, form, lambda data: actions_setup.create_stage(request.user, pipeline.pk, data), done)
        if response is not None:
            return response
    title = _("Add a stage to “%(name)s”") % {"name": pipeline.name}
    return _form_page(request, form, title, status=400 if form.is_bound else 200, pipeline=pipeline)


@admin_required
@require_http_methods(["GET", "POST"])
def stage_edit(request: HttpRequest, stage_id: UUID) -> HttpResponse:
    stage = access_stage_by_id(request.user, stage_id)
    initial = {"name": stage.name, "probability": stage.probability, "kind": stage.kind, "position": stage.position}
    form = StageForm(request.POST or None, initial=initial)
    if request.method == "POST":
        done = _("Changes to “%(name)s” saved.") % {"name": request.POST.get("name", "")}
        response = _submit(request, form, lambda data: actions_setup.update_stage(request.user, stage.pk, data), done)
        if response is not None:
            return response
    title = _("Edit stage “%(name)s”") % {"name": stage.name}
    return _form_page(request, form, title, status=400 if form.is_bound else 200, pipeline=stage.pipeline)


def _delete(request: HttpRequest, call: Callable[[], Any], done: str) -> HttpResponse:
    try:
        call()
    except ValidationError as error:
        for message_list in error.message_dict.values():
            for message in message_list:
                messages.error(request, message)
    except PermissionDenied as error:
        return forbidden(request, str(error))
    else:
        messages.success(request, done)
    return redirect("sales:setup")


@admin_required
@require_POST
def pipeline_delete(request: HttpRequest, pipeline_id: UUID) -> HttpResponse:
    pipeline = access_pipeline_by_id(request.user, pipeline_id)
    done = _("Pipeline “%(name)s” deleted.") % {"name": pipeline.name}
    return _delete(request, lambda: actions_setup.delete_pipeline(request.user, pipeline.pk), done)


@admin_required
@require_POST
def stage_delete(request: HttpRequest, stage_id: UUID) -> HttpResponse:
    stage = access_stage_by_id(request.user, stage_id)
    done = _("Stage “%(name)s” deleted.") % {"name": stage.name}
    return _delete(request, lambda: actions_setup.delete_stage(request.user, stage.pk), done)


@admin_required
@require_POST
def rate_set(request: HttpRequest) -> HttpResponse:
    form = ExchangeRateForm(request.POST)
    done = _("Exchange rate for %(code)s saved.") % {"code": request.POST.get("currency", "").upper()[:3]}
    response = _submit(
        request, form, lambda data: actions_setup.set_exchange_rate(request.user, data["currency"], data["rate"]), done
    )
    if response is not None:
        return response
    return _form_page(request, form, _("Set an exchange rate"), status=400)


@admin_required
@require_POST
def rate_delete(request: HttpRequest, currency: str) -> HttpResponse:
    done = _("Exchange rate for %(code)s deleted.") % {"code": currency.upper()[:3]}
    return _delete(request, lambda: actions_setup.delete_exchange_rate(request.user, currency), done)

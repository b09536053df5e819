"""Lead-scoring rules on the sales set-up page (administrators): add, edit, delete (ADR 0041)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bastion.sales import actions_scoring
from bastion.sales.access import access_scoring_rule_by_id
from bastion.sales.forms import ScoringRuleForm
from bastion.sales.views_setup import _delete, _form_page, _submit, admin_required


def _rule(request: HttpRequest, rule_id: UUID) -> object:
    return access_scoring_rule_by_id(request.user, rule_id)


@admin_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    form = ScoringRuleForm(request.POST or None, initial={"category": "fit", "operator": "contains", "points": 10})
    if request.method == "POST":
        done = _("Scoring rule “%(name)s” added; leads are being scored again.") % {"name": request.POST.get("name", "")}
        response = _submit(request, form, lambda data: actions_scoring.create_rule(request.user, data), done)
        if response is not None:
            return response
    return _form_page(request, form, _("Add a scoring rule"), status=400 if form.is_bound else 200)


@admin_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: UUID) -> HttpResponse:
    rule = _rule(request, rule_id)
    names = ("name", "category", "field", "operator", "value", "points", "is_active")
    form = ScoringRuleForm(request.POST or None, initial={name: getattr(rule, name) for name in names})
    if request.method == "POST":
        done = _("Changes to “%(name)s” saved; leads are being scored again.") % {"name": request.POST.get("name", "")}
        response = _submit(request, form, lambda data: actions_scoring.update_rule(request.user, rule_id, data), done)
        if response is not None:
            return response
    title = _("Edit scoring rule “%(name)s”") % {"name": str(rule)}
    return _form_page(request, form, title, status=400 if form.is_bound else 200)


@admin_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: UUID) -> HttpResponse:
    rule = _rule(request, rule_id)
    done = _("Scoring rule “%(name)s” deleted; leads are being scored again.") % {"name": str(rule)}
    return _delete(request, lambda: actions_scoring.delete_rule(request.user, rule_id), done)

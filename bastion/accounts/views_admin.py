"""Administrators' access pages: who sees records by default (ADR 0027)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bastion.accounts import access_settings, stepup
from bastion.accounts.forms_admin import RecordDefaultsForm


@login_required
@require_http_methods(["GET", "POST"])
def record_defaults(request: HttpRequest) -> HttpResponse:
    """The organisation-wide default per object type. The single write is ``set_record_visibilities``."""
    if not access_settings.can_change_access_settings(request.user):
        raise PermissionDenied(_("Only an administrator can change who sees records by default."))
    if request.method == "POST" and (asked := stepup.challenge(request)) is not None:
        return asked
    rows = access_settings.record_visibilities()
    form = RecordDefaultsForm(request.POST if request.method == "POST" else None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            changes = access_settings.set_record_visibilities(request.user, form.cleaned_data)
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            if changes:
                messages.success(request, _("Record access defaults saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("accounts:record-defaults")
    status = 400 if form.errors else 200
    return render(request, "accounts/admin/record_defaults.html", {"nav": "access", "form": form}, status=status)

"""Sharing pages of a company or contact: who it is shared with, share it, remove a share (with confirmation).

Only those who manage the record (owner, their managers, administrators) get these pages;
everyone else gets the same 404 as for a record that does not exist.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bastion.accounts import sharing
from bastion.directory.access import access_company_by_id, access_contact_by_id
from bastion.directory.forms_sharing import ShareForm
from bastion.directory.models import Company, Contact
from bastion.directory.views import writer_required

KINDS: dict[str, dict[str, Any]] = {
    "company": {"model": Company, "access": access_company_by_id, "detail": "directory:company-detail", "nav": "companies"},
    "contact": {"model": Contact, "access": access_contact_by_id, "detail": "directory:contact-detail", "nav": "contacts"},
}


def _context(request: HttpRequest, kind: str, record_id: UUID) -> dict[str, Any]:
    spec = KINDS[kind]
    record = spec["access"](request.user, record_id)
    shares = sharing.shares_of(request.user, spec["model"], record.pk)  # 404 unless the user manages it
    return {"nav": spec["nav"], "kind": kind, "record": record, "shares": shares, "detail_url": spec["detail"]}


@writer_required
@require_http_methods(["GET", "POST"])
def share_page(request: HttpRequest, kind: str, record_id: UUID) -> HttpResponse:
    context = _context(request, kind, record_id)
    users, teams = sharing.share_grantees()
    form = ShareForm(request.POST if request.method == "POST" else None, users=users, teams=teams)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                sharing.share_record(
                    request.user, KINDS[kind]["model"], context["record"].pk, level=form.cleaned_data["level"],
                    expires_on=form.cleaned_data["expires_on"], **form.grantee_ids(),
                )  # fmt: skip
            except ValidationError as error:
                form.add_action_errors(error)
            else:
                messages.success(request, _("Shared “%(name)s”.") % {"name": context["record"]})
                return redirect(request.path)
    return render(request, "directory/sharing/page.html", {**context, "form": form}, status=status)


@writer_required
@require_http_methods(["GET", "POST"])
def share_remove(request: HttpRequest, kind: str, record_id: UUID, share_id: UUID) -> HttpResponse:
    """GET (or POST without ``confirmed``) asks; POST with ``confirmed`` removes the share."""
    context = _context(request, kind, record_id)
    share = next((share for share in context["shares"] if share.pk == share_id), None)
    if share is None:
        raise Http404(_("No such share."))
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        sharing.remove_share(request.user, KINDS[kind]["model"], context["record"].pk, share.pk)
        messages.success(request, _("Share removed."))
        return redirect(f"directory:{kind}-sharing", record_id=context["record"].pk)
    return render(request, "directory/sharing/confirm_remove.html", {**context, "share": share})

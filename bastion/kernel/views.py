"""Kernel pages: the landing page after sign-in and the roles matrix."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bastion.kernel.access.matrix import matrix_rows, record_rules
from bastion.kernel.access.roles import role_of
from bastion.kernel.access.scoping import can_see_customer_records, can_see_dashboards
from bastion.kernel.audit.views import can_read_audit_trail


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The first page the user's role may use (never a 403): contacts, else the dashboard, else the audit trail,
    else the profile."""
    if can_see_customer_records(request.user):
        return redirect("directory:contact-list")
    if can_see_dashboards(request.user):
        return redirect("sales:dashboard")
    if can_read_audit_trail(request.user):
        return redirect("audit:event-list")
    return redirect("accounts:profile")


@login_required
def roles_matrix(request: HttpRequest) -> HttpResponse:
    """Every role and what it may do, for any member of staff (transparency about access)."""
    if role_of(request.user) is None:
        raise PermissionDenied
    return render(
        request, "kernel/roles.html", {"rows": matrix_rows(), "my_role": role_of(request.user), "record_rules": record_rules()}
    )

"""Thin views for the signed-in user's own account: profile, API tokens, ending sessions."""

from __future__ import annotations

from uuid import UUID

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts import actions, selectors
from bastion.accounts.forms import ApiTokenForm
from bastion.accounts.models import ApiToken
from bastion.accounts.tokens import TokenError


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {"nav": "profile", "profile": selectors.profile_of(request.user)})


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/token_list.html", {"nav": "profile", "tokens": selectors.tokens_of(request.user)})


@login_required
@reauthentication_required
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token; the response shows its plaintext once (never stored, never in a URL or session)."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = actions.create_api_token(
                request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                scopes=form.cleaned_data["scopes"],
                networks=form.cleaned_data["allowed_networks"],
            )
        except (TokenError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            context = {"nav": "profile", "token": issued.token, "plaintext": issued.plaintext}
            return render(request, "accounts/token_created.html", context)
    return render(request, "accounts/token_form.html", {"nav": "profile", "form": form})


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: UUID) -> HttpResponse:
    try:
        token = actions.revoke_own_token(request.user, token_id)
    except ApiToken.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


@login_required
@require_POST
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    from allauth.usersessions.models import UserSession

    try:
        was_current = actions.end_own_session(request, session_id)
    except UserSession.DoesNotExist as exc:
        raise Http404 from exc
    if was_current:
        return redirect("account_login")
    messages.success(request, _("The session is ended; that browser is signed out."))
    return redirect("usersessions_list")

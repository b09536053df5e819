"""allauth adapter: Bastion's sign-in policy on top of allauth.

- Sign-up is closed: accounts are created by an administrator (invitation only).
- Failed sign-ins are counted per account, whichever name (username or email) or host
  name was typed, so the per-account lock cannot be sidestepped; the lock message says
  what is locked and for how long.
- Choosing a new password clears the "must change password" flag of a one-time password.
- Sign-in is refused from outside the organisation's network allow-list (before the
  password is checked) and from outside the user's role's list (once the user is known,
  in every sign-in flow: password, passkey), with a clear message and an ``access.denied``
  audit event (bastion.kernel.access.network).
- Enrolling the first second factor right after signing in does not ask for the password
  a second time (every later change to second factors does).
- No "Successfully signed in." message for a user sent on to mandatory set-up (a second
  factor, their own password): they are not done signing in.
- TOTP secrets and the recovery-code seed are sealed before allauth stores them
  (:class:`BastionMFAAdapter`, bastion.kernel.crypto.secrets).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.userkit import filter_users_by_email, get_user_by_username
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bastion.accounts import lockout
from bastion.accounts.selectors import sign_in_unfinished
from bastion.kernel.access.network import network_allows
from bastion.kernel.access.roles import role_of
from bastion.kernel.audit.context import client_ip
from bastion.kernel.audit.kinds import EventKind, Outcome
from bastion.kernel.audit.writer import Target, record_event
from bastion.kernel.crypto.secrets import is_sealed, open_secret, seal_secret

LOGGED_IN_MESSAGE = "account/messages/logged_in.txt"
MFA_SECRET_PURPOSE = "allauth.mfa"  # noqa: S105 - a key purpose label, not a secret

_lock_message_lazy = lazy(lambda: lockout.lock_message(None), str)


class BastionAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _lock_message_lazy(),
        "username_password_mismatch": _("The username or password is not correct."),
        "email_password_mismatch": _("The email address or password is not correct."),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    # --- lockout -------------------------------------------------------------------
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """One counter per account: the same for its username and its email, in any case, on any host."""
        user = None
        email = credentials.get("email")
        username = credentials.get("username")
        if email:
            users = filter_users_by_email(email)
            user = users[0] if len(users) == 1 else None
        if user is None and username:
            user = get_user_by_username(username)
        if user is not None:
            return f"user:{user.pk}"
        return f"login:{(email or username or '').strip().lower()}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        ip = client_ip(request)
        if not network_allows(ip, None):
            _record_network_denial(request, None, "organisation")
            raise ValidationError(_network_message(ip), code="network_not_allowed")
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as exc:
            key = self._get_login_attempts_cache_key(request, **credentials)
            lock = lockout.current_lock(request, key)
            raise ValidationError(lockout.lock_message(lock), code="too_many_login_attempts") from exc

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        """The user of correct credentials, refused (as a form error) if their role may not sign in from here."""
        user = super().authenticate(request, **credentials)
        if user is not None:
            ip = client_ip(request)
            if not network_allows(ip, role_of(user)):
                _record_network_denial(request, user, "role")
                raise ValidationError(_network_message(ip), code="network_not_allowed")
        return user

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        """Every sign-in flow (password, passkey, ...) ends here: check the networks once more."""
        ip = client_ip(request)
        if not network_allows(ip, role_of(user)):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            _record_network_denial(request, user, "role")
            messages.error(request, _network_message(ip))
            return HttpResponseRedirect(reverse("account_login"))
        return super().pre_login(request, user, **kwargs)

    # --- messages ------------------------------------------------------------------
    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        """allauth's messages, without "Successfully signed in." for a user who is not done yet.

        A user without a second factor, or with a one-time password to replace, is sent straight
        to that set-up (RequireMfaMiddleware): "signed in" would be read as "you are in".
        """
        if message_template == LOGGED_IN_MESSAGE:
            user = (message_context or {}).get("user") or getattr(request, "user", None)
            if sign_in_unfinished(user):
                return
        super().add_message(request, level, message_template, message_context, extra_tags=extra_tags, message=message)

    # --- passwords -----------------------------------------------------------------
    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        return reverse("accounts:profile")

    def set_password(self, user: Any, password: str) -> None:
        from bastion.accounts.actions import password_changed

        super().set_password(user, password)
        password_changed(user)

    # --- reauthentication ---------------------------------------------------------------
    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa" and _is_first_enrolment_after_sign_in(context.request):
            return False
        return required


def _network_message(ip: str) -> str:
    message = gettext("Signing in from %(ip)s is not allowed: the address is outside the networks your organisation permits.")
    return message % {"ip": ip or gettext("an unknown address")}


def _record_network_denial(request: HttpRequest, user: Any, rule: str) -> None:
    """An ``access.denied`` event for a sign-in refused by a network allow-list (``rule``: organisation or role)."""
    extra = {"reason": f"network_not_allowed:{rule}", "status": 403, "method": request.method, "path": request.path[:200]}
    with transaction.atomic():
        record_event(
            EventKind.ACCESS_DENIED,
            actor=user,
            target=Target("accounts.login"),
            outcome=Outcome.DENIED,
            extra=extra,
            request=request,
        )


def _is_first_enrolment_after_sign_in(request: HttpRequest | None) -> bool:
    """True within the reauthentication window after signing in, if the user had no second factor then.

    MFA is mandatory, so the first thing after a password sign-in is enrolment (then the
    recovery codes). Asking for the password again there adds nothing. Once that window
    has passed, or if a factor existed before this sign-in, changes need a fresh
    reauthentication as usual.
    """
    if request is None or not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    if not records:
        return False
    signed_in_at = float(records[-1]["at"])
    if time.time() - signed_in_at >= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT:
        return False
    earlier = Authenticator.objects.filter(user_id=request.user.pk, created_at__lt=datetime.fromtimestamp(signed_in_at, tz=UTC))
    return not earlier.exists()


class BastionMFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter with its ``encrypt``/``decrypt`` hooks sealing secrets (AES-256-GCM).

    A value stored before sealing was introduced is read as it is, and ``bastion keys
    reencrypt`` seals it (bastion.accounts.mfa_secrets).
    """

    def encrypt(self, text: str) -> str:
        return seal_secret(MFA_SECRET_PURPOSE, text)

    def decrypt(self, encrypted_text: str) -> str:
        if is_sealed(encrypted_text):
            return open_secret(MFA_SECRET_PURPOSE, encrypted_text)
        return encrypted_text

"""Personal API tokens: issue, verify, revoke. The secret is shown once and stored as a digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import ApiToken

TOKEN_PREFIX = "bst"  # noqa: S105 - a public marker at the start of every token, not a secret
# Write last_used_at at most this often per token, so reads do not turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token request that cannot be honoured, with a message for the user."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str

    @property
    def secret(self) -> str:
        """The part after ``bst_<prefix>_``; it may itself contain underscores."""
        return self.plaintext.split("_", 2)[2]

    @property
    def public_part(self) -> str:
        """``bst_<prefix>``: what the UI and the audit trail may show."""
        return f"{TOKEN_PREFIX}_{self.token.prefix}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_token_networks(values: Iterable[str]) -> list[str]:
    """The CIDR networks (IPv4 or IPv6) a token may be used from; ``TokenError`` names the first bad one."""
    import ipaddress

    networks: list[str] = []
    for raw in values:
        value = str(raw).strip()
        if not value:
            continue
        try:
            network = str(ipaddress.ip_network(value, strict=True))
        except ValueError as exc:
            raise TokenError(
                _("%(value)s is not a network. Write one in CIDR form, such as 203.0.113.0/24, 127.0.0.2/32 or 2001:db8::/32.")
                % {"value": value}
            ) from exc
        if network not in networks:
            networks.append(network)
    return networks


def issue_token(
    user: Any,
    *,
    name: str,
    days: int | None = None,
    scopes: Iterable[str] | None = None,
    networks: Iterable[str] = (),
) -> IssuedToken:
    """Create a token for ``user`` valid for ``days``; the plaintext is returned once, never stored.

    ``scopes`` (default: read and write on every resource; the role still limits) and
    ``networks`` (default: anywhere the user may be) narrow what the token can do.
    """
    from bastion.accounts.scopes import ALL_SCOPES, ScopeError, parse_scopes

    try:
        chosen_scopes = parse_scopes(ALL_SCOPES if scopes is None else scopes)
    except ScopeError as exc:
        raise TokenError(str(exc)) from exc
    if not chosen_scopes:
        raise TokenError(_("A token needs at least one scope, such as contact:read."))
    allowed_networks = parse_token_networks(networks)
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise TokenError(
            _("A token must be valid for 1 to %(max)d days, not %(days)d.") % {"max": settings.API_TOKEN_MAX_DAYS, "days": days}
        )
    name = name.strip()
    if not name:
        raise TokenError(_("A token needs a name that says what it is for."))
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=prefix,
            digest=_digest(secret),
            expires_at=timezone.now() + timedelta(days=days),
            scopes=chosen_scopes,
            allowed_networks=allowed_networks,
        )
    return IssuedToken(token=token, plaintext=f"{TOKEN_PREFIX}_{prefix}_{secret}")


def verify_token(plaintext: str) -> ApiToken | None:
    """The usable token matching ``plaintext``, or None. Constant-time digest comparison."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    _kind, prefix, secret = parts
    # The prefix is unique: no ordering to compile or sort (first() would order by the newest).
    found = ApiToken.objects.usable().select_related("user", "user__membership").filter(prefix=prefix).order_by()[:1]
    token = next(iter(found), None)
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # Audited at the same resolution: first use, then at most once a minute per token.
        from bastion.kernel.audit.kinds import EventKind
        from bastion.kernel.audit.writer import record_event

        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            record_event(EventKind.TOKEN_USED, actor=token.user, target=token, extra={"prefix": prefix})
        token.last_used_at = now
    return token


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def delete_expired_tokens(older_than: timedelta = timedelta(days=30)) -> int:
    """Remove tokens that expired or were revoked more than ``older_than`` ago."""
    cutoff = timezone.now() - older_than
    deleted, _details = ApiToken.objects.filter(expires_at__lt=cutoff).delete()
    revoked, _details = ApiToken.objects.filter(revoked_at__lt=cutoff).delete()
    return deleted + revoked

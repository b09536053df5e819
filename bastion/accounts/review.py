"""The access review: every member of staff with their role, teams, shares and API tokens (issue 5, item 7).

Read by administrators and security officers at ``/accounts/access/review/`` and as CSV. It shows
who may see what, never customer data: a share is named by its kind of record and id only.
The queries are a fixed handful whatever the number of members (prefetches, no query per row).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils import timezone

from bastion.accounts.models import ApiToken, RecordShare
from bastion.kernel.access.roles import Role


@dataclass
class ReviewRow:
    user_id: int
    username: str
    name: str
    email: str
    role: str
    active: bool
    last_sign_in: Any
    teams: list[str] = field(default_factory=list)
    manages: list[str] = field(default_factory=list)
    shares: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


def _share(share: RecordShare) -> str:
    return f"{share.object_type} {share.object_id} ({share.level}, until {share.expires_at:%Y-%m-%d})"


def _token(token: ApiToken) -> str:
    scopes = ", ".join(token.scopes or []) or "all"
    networks = f"; from {', '.join(token.allowed_networks)}" if token.allowed_networks else ""
    return f"{token.name} (bst_{token.prefix}_…; {scopes}; until {token.expires_at:%Y-%m-%d}{networks})"


def review_rows() -> list[ReviewRow]:
    """One row per user (members and accounts without a role), by username, with live shares and usable tokens."""
    now = timezone.now()
    users = (
        get_user_model()
        .objects.select_related("membership")
        .prefetch_related(
            "membership__teams",
            "managed_teams",
            Prefetch("record_shares", queryset=RecordShare.objects.filter(expires_at__gt=now).order_by("expires_at")),
            Prefetch("api_tokens", queryset=ApiToken.objects.usable().order_by("created_at")),
        )
        .order_by("username")
    )
    rows = []
    for user in users:
        membership = getattr(user, "membership", None)
        role = str(Role(membership.role).label) if membership is not None and membership.role in Role.values else "—"
        rows.append(
            ReviewRow(
                user_id=user.pk,
                username=user.get_username(),
                name=user.get_full_name(),
                email=user.email,
                role=role,
                active=bool(user.is_active and membership is not None and membership.is_active),
                last_sign_in=user.last_login,
                teams=[team.name for team in membership.teams.all()] if membership is not None else [],
                manages=[team.name for team in user.managed_teams.all()],
                shares=[_share(share) for share in user.record_shares.all()],
                tokens=[_token(token) for token in user.api_tokens.all()],
            )
        )
    return rows


def team_shares() -> list[tuple[str, str]]:
    """Live shares with whole teams: (team, share), for the review's second table."""
    shares = RecordShare.objects.filter(team__isnull=False, expires_at__gt=timezone.now()).select_related("team")
    return [(share.team.name, _share(share)) for share in shares.order_by("team__name", "expires_at")]  # type: ignore[union-attr]


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def review_csv(rows: list[ReviewRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["username", "name", "email", "role", "active", "last_sign_in", "teams", "manages", "shares", "api_tokens"])
    for row in rows:
        last = row.last_sign_in.isoformat() if row.last_sign_in else ""
        cells = [row.username, row.name, row.email, row.role, "yes" if row.active else "no", last,
                 "; ".join(row.teams), "; ".join(row.manages), "; ".join(row.shares), "; ".join(row.tokens)]  # fmt: skip
        writer.writerow([_cell(str(cell)) for cell in cells])
    return out.getvalue()

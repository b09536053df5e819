"""Who works in the organisation, in which role and team, and the API tokens they hold."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bastion.kernel.access.records import DEFAULT_VISIBILITY, Level, Visibility
from bastion.kernel.access.roles import Role
from bastion.kernel.ids import new_id


class Team(models.Model):
    """A department or team (e.g. "Sales East"); records and people belong to teams."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=100, unique=True)
    # Managers see the records of the team and of its members (the manager chain, ADR 0027).
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_teams", verbose_name=_("managers")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in the organisation: their role and teams. No membership, no access."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    teams = models.ManyToManyField(Team, blank=True, related_name="members", verbose_name=_("teams"))
    is_active = models.BooleanField(_("active"), default=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored; the token is shown once.

    The token reads ``bst_<prefix>_<secret>``: the prefix finds the row, the secret
    (256 bits from the OS CSPRNG) is compared in constant time with the stored digest.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # ["contact:read", "company:write", ...] (bastion/accounts/scopes.py); write implies read.
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    # CIDR strings the token may be used from; empty means from anywhere the user may be.
    allowed_networks = models.JSONField(_("allowed networks"), default=list, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.name} (bst_{self.prefix}_…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def allows_address(self, ip: str) -> bool:
        """True if the token may be used from ``ip`` (its own allow-list; the organisation's applies too)."""
        from bastion.kernel.access.network import address_in

        return address_in(ip, self.allowed_networks or [])

    @property
    def status(self) -> str:
        """``active``, ``expired`` or ``revoked`` (revoked wins over expired)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class ThrottleWindow(models.Model):
    """Requests counted for one client (token, user or IP) in one fixed time window of the API rate."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField(help_text="epoch seconds // period")
    period = models.PositiveIntegerField(help_text="window length in seconds")
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="throttle_one_row_per_window")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window}: {self.hits}"


class AccessReview(models.Model):
    """One sign-off of the access review: who reviewed every member's access, when, and what they saw (counts).

    PCI DSS 7.2.4 asks for a review every six months; the page flags when the next one is due.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True, default="")
    members = models.PositiveIntegerField(_("members reviewed"))
    shares = models.PositiveIntegerField(_("live shares"))
    tokens = models.PositiveIntegerField(_("usable API tokens"))

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")

    def __str__(self) -> str:
        return f"{self.signed_at:%Y-%m-%d} by {self.signed_by_id}"


class RecordAccessDefault(models.Model):
    """The organisation-wide default visibility of one object type (e.g. ``directory.contact``).

    No row means :data:`~bastion.kernel.access.records.DEFAULT_VISIBILITY` (team). Changed only by
    administrators, through :func:`bastion.accounts.access_settings.set_record_visibility`.
    """

    object_type = models.CharField(_("object type"), max_length=100, unique=True)
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices, default=DEFAULT_VISIBILITY)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("record access default")
        verbose_name_plural = _("record access defaults")

    def __str__(self) -> str:
        return f"{self.object_type}: {self.visibility}"


class RecordShare(models.Model):
    """One record shared with one user or one team, for read or edit, until ``expires_at``.

    The record is named by its object type and UUID (any model declaring
    ``record_access = Owned(...)``). An expired share grants nothing; it stays listed on
    the record's sharing page until someone removes it.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.UUIDField(_("record"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="record_shares",
        verbose_name=_("colleague"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="record_shares", verbose_name=_("team")
    )
    level = models.CharField(_("access"), max_length=8, choices=Level.choices, default=Level.READ)
    expires_at = models.DateTimeField(_("expires at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("record share")
        verbose_name_plural = _("record shares")
        indexes = [models.Index(fields=["object_type", "object_id"], name="acc_share_record")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False, team__isnull=True) | models.Q(user__isnull=True, team__isnull=False)),
                name="acc_share_one_grantee",
            ),
            models.UniqueConstraint(
                fields=["object_type", "object_id", "user"],
                condition=models.Q(user__isnull=False),
                name="acc_share_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["object_type", "object_id", "team"],
                condition=models.Q(team__isnull=False),
                name="acc_share_once_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} → {self.user or self.team} ({self.level})"

    @property
    def is_live(self) -> bool:
        return self.expires_at > timezone.now()

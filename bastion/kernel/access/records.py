"""Record-level access: who may read, edit or share one customer record (ADR 0027).

A model opts in by declaring ``record_access`` on its class; :class:`ScopedQuerySet` reads the
declaration and narrows itself with one SQL condition, so a list, a search, an API response
and a fetch by id all obey the same rules with no per-row Python check. The declarations:

- :class:`Owned` (companies, contacts, and later leads and deals): the record has an owner
  (a user) and a team. Who sees it follows the organisation's default for its object type
  (:class:`Visibility`), the owner and team, the manager chain (a manager of team X sees the
  records of team X and of its members) and explicit, expiring shares with a user or team.
- :class:`Through`: a row that belongs to one Owned record (a contact's email address) is
  visible exactly when its parent is.
- :class:`ThroughOneOf`: a row that belongs to exactly one of several records (an interaction is
  about a contact or a lead) is visible exactly when the record it belongs to is.
- :class:`Vocabulary`: shared reference data (tags) that every customer-data role may read.

A model with a scoped manager and no declaration is invisible to everybody: deny by default.
Roles whose policy has ``all_records`` (administrators) see and change every record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models import Exists, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bastion.kernel.access.roles import CUSTOMER_DATA_ROLES, CUSTOMER_WRITE_ROLES, POLICIES, role_of

if TYPE_CHECKING:
    from django.db.models import QuerySet


class Visibility(models.TextChoices):
    """The organisation-wide default of one object type: who reads a record nobody shared."""

    PRIVATE = "private", _("Private: the owner, their managers and those it is shared with")
    TEAM = "team", _("Team: also everyone in the record's team")
    PUBLIC = "public", _("Everyone can read: every role with customer-record access reads it")


DEFAULT_VISIBILITY = Visibility.TEAM


class Level(models.TextChoices):
    """How much a share grants."""

    READ = "read", _("read")
    EDIT = "edit", _("read and edit")


class Need(models.IntegerChoices):
    """What the caller wants to do with the records it asks for."""

    READ = 1
    EDIT = 2
    MANAGE = 3  # change who owns it and who it is shared with


class Rule:
    """A model's record-access declaration."""

    def narrow(self, queryset: QuerySet[Any], user: Any, need: Need) -> QuerySet[Any]:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Vocabulary(Rule):
    """Reference data every customer-data role reads (tags); only writer roles may change it."""

    def narrow(self, queryset: QuerySet[Any], user: Any, need: Need) -> QuerySet[Any]:
        return queryset


@dataclass(frozen=True)
class Through(Rule):
    """Visible (editable) when the record ``parent`` (a foreign key) is visible (editable)."""

    parent: str

    def narrow(self, queryset: QuerySet[Any], user: Any, need: Need) -> QuerySet[Any]:
        parent_model = queryset.model._meta.get_field(self.parent).related_model
        parents = parent_model._default_manager.get_queryset().for_user(user, need)
        return queryset.filter(**{f"{self.parent}__in": parents.values("pk")})


@dataclass(frozen=True)
class ThroughOneOf(Rule):
    """Visible (editable) when the one record it belongs to, among the foreign keys ``parents``, is.

    The model must guarantee with a database check constraint that exactly one of ``parents`` is
    set: the condition is ``p1 IN (visible p1) OR p2 IN (visible p2) ...``, and a NULL key never
    matches (``NULL IN (...)`` is not true), so only the set key decides.
    """

    parents: tuple[str, ...]

    def narrow(self, queryset: QuerySet[Any], user: Any, need: Need) -> QuerySet[Any]:
        condition = Q()
        for parent in self.parents:
            parent_model = queryset.model._meta.get_field(parent).related_model
            visible = parent_model._default_manager.get_queryset().for_user(user, need)
            condition |= Q(**{f"{parent}__in": visible.values("pk")})
        return queryset.filter(condition)


@dataclass(frozen=True)
class Personal(Rule):
    """Work that belongs to the one user in ``owner`` (e.g. an import job): only they (and roles that
    see all records) read or change it; never shared, no team."""

    owner: str

    def narrow(self, queryset: QuerySet[Any], user: Any, need: Need) -> QuerySet[Any]:
        return queryset.filter(**{f"{self.owner}_id": user.pk})


@dataclass(frozen=True)
class Owned(Rule):
    """A customer record with an ``owner`` (user) and a ``team`` foreign key; its pk must be a UUID."""

    owner: str = "owner"
    team: str = "team"

    def narrow(self, queryset: QuerySet[Any], user: Any, need: Need) -> QuerySet[Any]:
        return queryset.filter(self.condition(queryset.model, user, need))

    def condition(self, model: type[models.Model], user: Any, need: Need) -> Q:
        """The one SQL condition: own, managed, shared, team (unless private), anyone (if public)."""
        owner_id, team_id = f"{self.owner}_id", f"{self.team}_id"
        managed = _managed_team_ids(user)
        allowed = Q(**{owner_id: user.pk}) | Q(**{f"{team_id}__in": managed}) | Q(**{f"{owner_id}__in": _members_of(managed)})
        if need == Need.MANAGE:
            return allowed
        label = object_type(model)
        setting = apps.get_model("accounts", "RecordAccessDefault").objects.filter(object_type=label)
        not_private = ~Exists(setting.filter(visibility=Visibility.PRIVATE))
        allowed |= Q(**{f"{team_id}__in": _team_ids(user)}) & Q(not_private)
        allowed |= Q(pk__in=_shared_ids(label, user, need))
        if need == Need.READ:
            allowed |= Q(Exists(setting.filter(visibility=Visibility.PUBLIC)))
        return allowed


def object_type(model: type[models.Model]) -> str:
    """The stable name of an object type in settings and shares, e.g. ``directory.contact``."""
    return model._meta.label_lower


def rule_of(model: type[models.Model]) -> Rule | None:
    rule = getattr(model, "record_access", None)
    return rule if isinstance(rule, Rule) else None


def owned_models() -> list[type[models.Model]]:
    """Every installed model whose records have an owner and team, in a stable order."""
    found = [model for model in apps.get_models() if isinstance(rule_of(model), Owned)]
    return sorted(found, key=object_type)


def owned_model(label: str) -> type[models.Model] | None:
    return next((model for model in owned_models() if object_type(model) == label), None)


def narrow(queryset: QuerySet[Any], user: Any, need: Need) -> QuerySet[Any]:
    """``queryset`` reduced to the rows ``user`` may read (edit, manage): the single entry point."""
    role = role_of(user)
    if role not in (CUSTOMER_WRITE_ROLES if need > Need.READ else CUSTOMER_DATA_ROLES):
        return queryset.none()
    rule = rule_of(queryset.model)
    if rule is None:
        return queryset.none()  # deny by default: the model declared nothing
    if POLICIES[role].all_records:
        return queryset
    return rule.narrow(queryset, user, need)


# --- the subqueries (no query runs here: each is embedded in the caller's SQL) -----------


def _team_ids(user: Any) -> QuerySet[Any]:
    through = apps.get_model("accounts", "Membership").teams.through
    return through.objects.filter(membership__user_id=user.pk).values("team_id")


def _managed_team_ids(user: Any) -> QuerySet[Any]:
    through = apps.get_model("accounts", "Team").managers.through
    return through.objects.filter(user_id=user.pk).values("team_id")


def _members_of(team_ids: QuerySet[Any]) -> QuerySet[Any]:
    through = apps.get_model("accounts", "Membership").teams.through
    return through.objects.filter(team_id__in=team_ids).values("membership__user_id")


def _shared_ids(label: str, user: Any, need: Need) -> QuerySet[Any]:
    shares = apps.get_model("accounts", "RecordShare").objects.filter(object_type=label, expires_at__gt=timezone.now())
    if need >= Need.EDIT:
        shares = shares.filter(level=Level.EDIT)
    return shares.filter(Q(user_id=user.pk) | Q(team_id__in=_team_ids(user))).values("object_id")

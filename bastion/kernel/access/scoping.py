"""The scoped queryset: the only way code outside actions reads CRM records.

``visible_to``, ``editable_by`` and ``manageable_by`` all go through
:func:`bastion.kernel.access.records.narrow`, which applies the role and the model's
record-access declaration (owner, team, manager chain, shares, organisation default) as one
SQL condition. A model that declares nothing is invisible (deny by default).
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from django.db import models

from bastion.kernel.access.roles import CUSTOMER_DATA_ROLES, CUSTOMER_WRITE_ROLES, Role, policy_of, role_of

_M = TypeVar("_M", bound=models.Model)


def can_see_customer_records(user: Any) -> bool:
    return role_of(user) in CUSTOMER_DATA_ROLES


def can_change_customer_records(user: Any) -> bool:
    return role_of(user) in CUSTOMER_WRITE_ROLES


def can_see_dashboards(user: Any) -> bool:
    """The dashboard's organisation-wide aggregates: roles whose policy has ``dashboards`` (no record is shown)."""
    policy = policy_of(user)
    return policy is not None and policy.dashboards


def can_erase_personal_data(user: Any) -> bool:
    """Crypto-shredding a person cannot be undone: administrators only (until issue 5's duties)."""
    return role_of(user) == Role.ADMINISTRATOR


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that narrows itself to what a user may read, edit or manage (ADR 0027)."""

    def _fetch_all(self) -> None:
        """Also fetch, in one key-store query, the data keys that reading encrypted fields will need."""
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._result_cache and isinstance(self._result_cache[0], models.Model):
            from bastion.kernel.crypto.fields import encrypted_fields, preload_keys

            if encrypted_fields(self.model):
                preload_keys(self._result_cache)

    def for_user(self, user: Any, need: int) -> ScopedQuerySet[_M]:
        from bastion.kernel.access.records import Need, narrow

        return narrow(self, user, Need(need))  # type: ignore[return-value]

    def visible_to(self, user: Any) -> ScopedQuerySet[_M]:
        """Rows ``user`` may read."""
        return self.for_user(user, 1)

    def editable_by(self, user: Any) -> ScopedQuerySet[_M]:
        """Rows ``user`` may change or delete."""
        return self.for_user(user, 2)

    def manageable_by(self, user: Any) -> ScopedQuerySet[_M]:
        """Rows whose owner and shares ``user`` may change: the owner, their managers, administrators."""
        return self.for_user(user, 3)


class ScopedManager(models.Manager[_M]):
    """Default manager of every CRM model; ``visible_to`` is the entry point for reads."""

    def get_queryset(self) -> ScopedQuerySet[_M]:
        return ScopedQuerySet(self.model, using=self._db)

    def visible_to(self, user: Any) -> ScopedQuerySet[_M]:
        return self.get_queryset().visible_to(user)

    def editable_by(self, user: Any) -> ScopedQuerySet[_M]:
        return self.get_queryset().editable_by(user)

    def manageable_by(self, user: Any) -> ScopedQuerySet[_M]:
        return self.get_queryset().manageable_by(user)


def record_by_id(
    model: type[_M],
    user: Any,
    record_id: Any,
    *,
    missing: str,
    for_write: bool = False,
    lock: bool = False,
    related: tuple[str, ...] = (),
) -> _M:
    """The record ``record_id`` of ``model`` if ``user`` may see it (and change it, with ``for_write``).

    A malformed id, a missing record and a forbidden one raise the same ``Http404(missing)``, so the
    answer never tells whether an id exists. ``lock`` takes a row lock (``related`` is then not joined).
    """
    from django.http import Http404

    pk = parse_uuid(record_id)
    manager: Any = model._default_manager
    queryset = manager.editable_by(user) if for_write else manager.visible_to(user)
    queryset = queryset.select_for_update(of=("self",)) if lock else queryset.select_related(*related)
    record = queryset.filter(pk=pk).first() if pk else None
    if record is None:
        raise Http404(missing)
    return record


def parse_uuid(value: Any) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one (so a malformed id is simply not found)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None

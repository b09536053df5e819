"""One adapter per object type that can be imported; :data:`ADAPTERS` is the registry."""

from __future__ import annotations

from typing import Any

from bastion.imports.adapters.base import Adapter, FieldSpec, Outcome, RowRejected
from bastion.imports.adapters.deals import DealAdapter
from bastion.imports.adapters.directory import CompanyAdapter, ContactAdapter
from bastion.imports.adapters.leads import LeadAdapter
from bastion.imports.adapters.products import ProductAdapter

ADAPTERS: dict[str, Adapter] = {
    adapter.key: adapter for adapter in (CompanyAdapter(), ContactAdapter(), LeadAdapter(), DealAdapter(), ProductAdapter())
}


def adapter_for(key: str) -> Adapter:
    return ADAPTERS[key]


def object_type_choices(actor: Any = None) -> list[tuple[str, str]]:
    """The object types ``actor`` may import (all of them when no actor is given)."""
    return [(a.key, str(a.label)) for a in ADAPTERS.values() if actor is None or a.may_import(actor)]


__all__ = ["ADAPTERS", "Adapter", "FieldSpec", "Outcome", "RowRejected", "adapter_for", "object_type_choices"]

"""One adapter per object type that can be imported; :data:`ADAPTERS` is the registry."""

from __future__ import annotations

from bastion.imports.adapters.base import Adapter, FieldSpec, Outcome, RowRejected
from bastion.imports.adapters.directory import CompanyAdapter, ContactAdapter
from bastion.imports.adapters.leads import LeadAdapter

ADAPTERS: dict[str, Adapter] = {adapter.key: adapter for adapter in (CompanyAdapter(), ContactAdapter(), LeadAdapter())}


def adapter_for(key: str) -> Adapter:
    return ADAPTERS[key]


def object_type_choices() -> list[tuple[str, str]]:
    return [(adapter.key, str(adapter.label)) for adapter in ADAPTERS.values()]


__all__ = ["ADAPTERS", "Adapter", "FieldSpec", "Outcome", "RowRejected", "adapter_for", "object_type_choices"]

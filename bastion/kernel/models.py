"""Kernel models (Django looks for them here): the audit trail's tables."""

from bastion.kernel.audit.models import AuditArchive, AuditChainHead, AuditCheckpoint, AuditEvent, AuditInbox, AuditShipment

__all__ = ["AuditArchive", "AuditChainHead", "AuditCheckpoint", "AuditEvent", "AuditInbox", "AuditShipment"]

"""Kernel models (Django looks for them here): the audit trail's tables and the security alerts."""

from bastion.kernel.alerts.models import AlertScan, SecurityAlert, SignInNotice
from bastion.kernel.audit.models import AuditArchive, AuditChainHead, AuditCheckpoint, AuditEvent, AuditInbox, AuditShipment

__all__ = [
    "AlertScan",
    "SecurityAlert",
    "SignInNotice",
    "AuditArchive",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditInbox",
    "AuditShipment",
]

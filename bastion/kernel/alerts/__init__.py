"""Intrusion detection (S6): rules read the audit trail and raise security alerts (docs/adr/0070-...)."""

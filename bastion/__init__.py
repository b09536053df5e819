"""Bastion CRM: a self-hosted CRM whose security is part of the product."""

__version__ = "0.1.0"

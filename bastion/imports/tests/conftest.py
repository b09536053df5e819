"""Fixtures shared with the directory tests: a read-only colleague and API clients with bearer tokens."""

from bastion.directory.tests.conftest import api_as, read_only

__all__ = ["api_as", "read_only"]

"""Fixtures shared with the directory tests: a read-only colleague (``api_as`` is the project's root fixture)."""

from bastion.directory.tests.conftest import read_only

__all__ = ["read_only"]

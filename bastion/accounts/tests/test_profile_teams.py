"""The profile page says "No team" for someone in no team (it said "Teams: None")."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def _teams(body: str) -> str:
    found = re.search(r'<dd data-testid="teams">(.*?)</dd>', body)
    assert found is not None, body
    return found[1]


def test_someone_without_a_team_reads_no_team(personas: Any, signed_in: Any) -> None:
    teams = _teams(signed_in(personas.admin).get("/accounts/profile/").content.decode())
    assert teams == '<span class="muted">No team</span>'


def test_someone_in_teams_reads_their_names(personas: Any, signed_in: Any) -> None:
    teams = _teams(signed_in(personas.sales_manager).get("/accounts/profile/").content.decode())
    assert "Sales East" in teams and "Sales West" in teams and "No team" not in teams

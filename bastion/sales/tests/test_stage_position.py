"""Where a new stage goes: an open one after the last open stage, before won and lost; positions stay
contiguous, and the stages that move down are audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.sales import actions_setup
from bastion.sales.models import Stage, StageKind

pytestmark = pytest.mark.django_db

RENEWALS = [
    {"name": "Up for renewal", "probability": 60},
    {"name": "Quote sent", "probability": 80},
    {"name": "Renewed", "probability": 100, "kind": StageKind.WON},
    {"name": "Churned", "probability": 0, "kind": StageKind.LOST},
]


@pytest.fixture
def renewals(personas: Any) -> Any:
    return actions_setup.create_pipeline(personas.admin, {"name": "Renewals"}, stages=RENEWALS)


def order(pipeline: Any) -> list[tuple[int, str]]:
    return list(Stage.objects.filter(pipeline=pipeline).order_by("position", "name").values_list("position", "name"))


def stage_events(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=EventKind.SETTING_CHANGED, extra__verb=verb).order_by("sequence"))


def test_a_new_open_stage_goes_after_the_last_open_one(personas: Any, renewals: Any) -> None:
    before = len(stage_events("stage.updated"))
    stage = actions_setup.create_stage(personas.admin, renewals.pk, {"name": "Signature", "probability": 90})
    assert stage.position == 2
    assert order(renewals) == [(0, "Up for renewal"), (1, "Quote sent"), (2, "Signature"), (3, "Renewed"), (4, "Churned")]
    moved = stage_events("stage.updated")[before:]
    assert [event.changes for event in moved] == [
        {"position": {"old": 2, "new": 3}},
        {"position": {"old": 3, "new": 4}},
    ]
    assert stage_events("stage.created")[-1].target_id == str(stage.pk)


def test_a_new_closed_stage_goes_at_the_end(personas: Any, renewals: Any) -> None:
    stage = actions_setup.create_stage(personas.admin, renewals.pk, {"name": "Lost to a rival", "kind": StageKind.LOST})
    assert order(renewals)[-1] == (4, "Lost to a rival") and stage.position == 4
    assert order(renewals)[:4] == [(0, "Up for renewal"), (1, "Quote sent"), (2, "Renewed"), (3, "Churned")]


def test_a_given_position_is_kept(personas: Any, renewals: Any) -> None:
    actions_setup.create_stage(personas.admin, renewals.pk, {"name": "Later", "position": 9})
    assert order(renewals)[-1] == (9, "Later")
    assert order(renewals)[:4] == [(0, "Up for renewal"), (1, "Quote sent"), (2, "Renewed"), (3, "Churned")]


def test_an_open_stage_in_a_pipeline_with_only_closed_stages_comes_first(personas: Any) -> None:
    closed = actions_setup.create_pipeline(
        personas.admin, {"name": "Closed only"}, stages=[{"name": "Done", "probability": 100, "kind": StageKind.WON}]
    )
    actions_setup.create_stage(personas.admin, closed.pk, {"name": "Open again", "probability": 10})
    assert order(closed) == [(0, "Open again"), (1, "Done")]


def test_the_add_stage_page_puts_an_open_stage_before_won_and_lost(personas: Any, signed_in: Any, renewals: Any) -> None:
    response = signed_in(personas.admin).post(
        reverse("sales:stage-create", args=[renewals.pk]), {"name": "Signature", "probability": "90", "kind": "open"}
    )
    assert response.status_code == 302
    assert [name for _, name in order(renewals)] == ["Up for renewal", "Quote sent", "Signature", "Renewed", "Churned"]

"""My day offers "Add task" and the task buttons only to roles that may change records (the views'
``writer_required``): a read-only user sees their day without buttons that would answer 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bastion.kernel.access.roles import Role
from bastion.sales import actions_activities

pytestmark = pytest.mark.django_db


@pytest.fixture
def demoted(personas: Any) -> Any:
    """A former sales rep, now read-only, with an overdue task still assigned to them."""
    from bastion.accounts.models import Membership

    user = personas.rep_west
    due = timezone.now() - dt.timedelta(days=1)
    task = actions_activities.create_activity(user, {"kind": "task", "subject": "Call the buyer back", "due_at": due})
    Membership.objects.filter(user=user).update(role=Role.READ_ONLY)
    user.refresh_from_db()
    return task


def test_read_only_sees_neither_add_task_nor_task_buttons(signed_in: Any, personas: Any, demoted: Any) -> None:
    client = signed_in(personas.rep_west)
    day = client.get(reverse("sales:my-day"))
    body = day.content.decode()
    assert day.status_code == 200 and "Call the buyer back" in body
    assert reverse("sales:activity-create") not in body and "Add task" not in body
    for name in ("sales:activity-edit", "sales:activity-done", "sales:activity-delete"):
        assert reverse(name, args=[demoted.pk]) not in body
    # What the page no longer offers, the views refuse.
    assert client.get(reverse("sales:activity-create")).status_code == 403
    assert client.get(reverse("sales:activity-edit", args=[demoted.pk])).status_code == 403


def test_writers_keep_add_task_and_task_buttons(signed_in: Any, personas: Any) -> None:
    rep = personas.rep_east
    task = actions_activities.create_activity(rep, {"kind": "task", "subject": "Send the quote", "due_at": timezone.now()})
    client = signed_in(rep)
    body = client.get(reverse("sales:my-day")).content.decode()
    assert "Add task" in body and reverse("sales:activity-create") in body
    assert reverse("sales:activity-edit", args=[task.pk]) in body and reverse("sales:activity-done", args=[task.pk]) in body
    assert client.get(reverse("sales:activity-create")).status_code == 200

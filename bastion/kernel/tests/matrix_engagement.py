"""Engagement endpoints of the access matrix (test_record_matrix.py): interaction events and interests,
judged per relation against the oracle's answer for the person (lead or contact) they are about.
The expected answers are written here from ADR 0042, not read from the code under test.

- Interactions and interests belong to one person and are visible exactly when it is: listing a
  person's interactions or interests answers like reading the person (200, 403 for a role without
  customer records, else 404 for a person the role may not read, the same as a missing one); an
  allowed list shows the person's interactions, a refused one nothing of them.
- Recording an interaction changes the person (it adds to its history and score): it needs a role
  that changes customer records (else 403) and a person the role may change; any other person is
  named as a bad field (400), like one that does not exist. A refusal stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.urls import reverse

from bastion.engagement.models import Interaction, Interest
from bastion.kernel.access.records import Need
from bastion.kernel.audit.kinds import Outcome
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.tests.matrix_world import OK, Check, World, body_of, call

INTERACTIONS, INTERESTS = "api-interaction-list", "api-interest-list"
PEOPLE = ("lead", "contact")


def is_engagement_gated(name: str) -> bool:
    """URL names judged here rather than as record endpoints."""
    return name in (INTERACTIONS, INTERESTS)


def _secret(kind: str, relation: str) -> str:
    return f"Mxinteraction{kind}{relation.replace('_', '')}q"


def seed_interactions(world: World, relations: list[str]) -> None:
    """One interaction (its title a secret) and one interest per person of each relation."""
    for relation in relations:
        for kind in PEOPLE:
            person = {kind: world.records[(kind, relation)]}
            Interaction.objects.create(**person, kind="page_visited", properties={"title": _secret(kind, relation)})
            Interest.objects.create(**person, topic=_secret(kind, relation).lower(), count=1,
                                    first_seen=world.records[(kind, relation)].created_at,
                                    last_seen=world.records[(kind, relation)].created_at)  # fmt: skip


def _stored() -> tuple[Any, ...]:
    rows = [list(model.objects.order_by("pk").values()) for model in (Interaction, Interest)]
    return rows, AuditEvent.objects.filter(outcome=Outcome.SUCCESS, kind__gte=300, kind__lt=400).count()


def _judge(api: Check, label: str, want: int, status: int, body: str, secret: str, changed: bool, method: str) -> None:
    if want == OK:
        if status not in ((201,) if method == "post" else (200,)):
            api.failures.append(f"{label} allowed by the rules, got {status}")
        elif method == "get" and secret.lower() not in body.lower():
            api.failures.append(f"{label} allowed, but does not show the person's interactions")
        elif method == "post" and not changed:
            api.failures.append(f"{label} allowed, answered {status} but stored nothing")
        return
    if status != want:
        api.failures.append(f"{label} should be {want}, got {status}")
    if secret.lower() in body.lower() or changed:
        api.failures.append(f"{label} leaked the person's interactions or changed something in a {status}")


def check_engagement(world: World, api: Check, want_for: Callable[[str, int], int], relations: list[str]) -> None:
    """Lists and recording for the lead and the contact of each relation; ``want_for(relation, need)`` is the oracle."""
    seed_interactions(world, relations)
    for relation in relations:
        for kind in PEOPLE:
            person, secret = world.records[(kind, relation)], _secret(kind, relation)
            read = want_for(relation, Need.READ)
            edit = want_for(relation, Need.EDIT)
            calls = [
                ("get", f"{reverse(INTERACTIONS)}?{kind}={person.pk}", None, read),
                ("get", f"{reverse(INTERESTS)}?{kind}={person.pk}", None, read),
                ("post", reverse(INTERACTIONS), {kind: str(person.pk), "kind": "email_opened"}, 400 if edit == 404 else edit),
            ]
            for method, url, data, want in calls:
                with transaction.atomic():
                    before = _stored()
                    response = call(api.client, method, url, data, True)
                    body, changed = body_of(response), _stored() != before
                    transaction.set_rollback(True)
                label = f"{url.split('?')[0]} [{kind} {relation}]: {method.upper()}"
                _judge(api, label, want, response.status_code, body, secret, changed, method)

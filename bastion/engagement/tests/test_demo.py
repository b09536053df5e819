"""Demo interaction events: through the actions, for the sellers' leads and contacts, with interests."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.directory import actions as directory
from bastion.engagement.demo import seed_demo_engagement
from bastion.engagement.models import Interaction, Interest
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_demo_interactions_are_recorded_through_the_actions(personas: Any, lead: Any, catalogue: Any) -> None:
    for number in range(3):
        directory.create_contact(personas.rep_east, {"given_name": "Demo", "family_name": f"Person {number}"})
    made = seed_demo_engagement([personas.rep_east], per_person=3)
    assert made == Interaction.objects.count() > 4 and Interest.objects.exists()
    assert Interaction.objects.filter(lead=lead).exists() and Interaction.objects.filter(contact__isnull=False).exists()
    assert AuditEvent.objects.filter(target_type="engagement.interaction").count() == made

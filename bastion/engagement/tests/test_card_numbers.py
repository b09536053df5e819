"""An interaction whose properties hold a card number is refused, naming the property (L3, ADR 0071)."""

from __future__ import annotations

from typing import Any

import pytest

from bastion.engagement.models import Interaction

pytestmark = pytest.mark.django_db


def test_a_property_holding_a_card_number_is_refused_and_nothing_stored(personas: Any, api_as: Any, lead: Any) -> None:
    api = api_as(personas.rep_east)
    properties = {"form": "checkout", "card": "4111 1111 1111 1111"}
    response = api.post(
        "/api/v1/interactions/", {"lead": str(lead.pk), "kind": "form_submitted", "properties": properties}, format="json"
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert list(fields) == ["properties.card"] and "ending 1111" in fields["properties.card"][0]
    assert "4111 1111" not in response.content.decode()
    assert not Interaction.objects.exists()

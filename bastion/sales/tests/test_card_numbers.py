"""The public lead form refuses a card number in the visitor's message, naming the field (L3, ADR 0071)."""

from __future__ import annotations

import pytest
from django.test import Client

from bastion.kernel.audit.models import AuditEvent
from bastion.sales.models import Lead
from bastion.sales.tests.test_leads import FORM, VISITOR

pytestmark = pytest.mark.django_db


def test_the_public_form_refuses_a_card_number_and_stores_nothing(client: Client) -> None:
    response = client.post(FORM, {**VISITOR, "message": "Please charge my card 4111 1111 1111 1111"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "looks like a payment card number (ending 1111)" in page
    assert not Lead.objects.exists() and not AuditEvent.objects.filter(target_type="sales.lead").exists()

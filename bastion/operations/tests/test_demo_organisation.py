"""The whole demo organisation `make run` seeds on a first start, in one go, on either database."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from bastion.commerce.models import Order
from bastion.engagement.models import Interaction
from bastion.operations.first_run import seed_demo_organisation
from bastion.sales.models import Activity, ActivityKind, Deal, Lead, LeadSource, ScoringRule

pytestmark = pytest.mark.django_db(databases=["default", "keys"])


def test_the_demo_organisation_opens_with_staff_customers_deals_orders_and_scored_leads() -> None:
    password = seed_demo_organisation(companies=6, contacts=40)
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password(password) and admin.membership.must_change_password
    assert get_user_model().objects.count() == 6 and Deal.objects.exists() and Order.objects.exists()
    assert Interaction.objects.filter(lead__isnull=False).exists()
    assert ScoringRule.objects.filter(category="fit").exists() and ScoringRule.objects.filter(category="engagement").exists()
    scores = list(Lead.objects.values_list("fit_score", "engagement_score", "score"))
    assert all(score == fit + engagement for fit, engagement, score in scores)
    assert any(fit > 0 for fit, _engagement, _score in scores) and any(engagement > 0 for _fit, engagement, _score in scores)
    # Web-form leads are routed to a sales team's sellers, not left to administrators; calls were made before today.
    web = Lead.objects.filter(source=LeadSource.WEB_FORM)
    assert web.exists() and not web.filter(owner=None).exists() and not web.filter(owner=admin).exists()
    calls = Activity.objects.filter(kind=ActivityKind.CALL)
    assert calls.exists() and not calls.filter(starts_at__date__gte=timezone.localdate()).exists()

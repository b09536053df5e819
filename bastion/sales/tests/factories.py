"""factory_boy factories for sales: pipelines with stages, deals, leads and activities.

Like the directory's factories they write rows directly, for speed (no actor, no audit event),
so a test can give a deal any owner and team, also one whose role may not create deals.
Tests of behaviour should go through bastion.sales.actions instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import factory
from django.conf import settings
from django.utils import timezone
from factory.django import DjangoModelFactory

from bastion.kernel.crypto import blind
from bastion.sales.models import (
    LEAD_EMAIL_SCOPE,
    Activity,
    ActivityKind,
    Deal,
    DealStageChange,
    Lead,
    Pipeline,
    Stage,
    StageKind,
)

STAGES: Sequence[tuple[str, int, str]] = (
    ("Qualification", 10, StageKind.OPEN),
    ("Proposal", 50, StageKind.OPEN),
    ("Won", 100, StageKind.WON),
    ("Lost", 0, StageKind.LOST),
)


class PipelineFactory(DjangoModelFactory):
    class Meta:
        model = Pipeline

    name = factory.Sequence(lambda n: f"Pipeline {n}")
    position = factory.Sequence(lambda n: n)
    is_default = False


def pipeline_with_stages(name: str, *, is_default: bool = False, stages: Sequence[tuple[str, int, str]] = STAGES) -> Pipeline:
    """A pipeline with ``stages`` (name, probability, kind) in order."""
    pipeline: Any = PipelineFactory(name=name, is_default=is_default)
    for position, (stage_name, probability, kind) in enumerate(stages):
        Stage.objects.create(pipeline=pipeline, name=stage_name, probability=probability, kind=kind, position=position)
    return pipeline


class DealFactory(DjangoModelFactory):
    """A deal in ``stage`` (default: the first stage of a new pipeline), in the base currency, with its first history row."""

    class Meta:
        model = Deal
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Deal {n}")
    stage = factory.LazyFunction(lambda: pipeline_with_stages("Deals").stages.order_by("position").first())
    pipeline = factory.SelfAttribute("stage.pipeline")
    amount = factory.Faker("pydecimal", left_digits=5, right_digits=2, positive=True)
    currency = factory.LazyFunction(lambda: settings.BASTION_BASE_CURRENCY)
    amount_base_cents = factory.LazyAttribute(lambda deal: int(deal.amount * 100))
    probability = factory.SelfAttribute("stage.probability")
    owner = None
    team = None
    created_by = factory.SelfAttribute("owner")
    updated_by = factory.SelfAttribute("owner")

    history = factory.PostGeneration(
        lambda deal, create, extracted, **kwargs: (
            DealStageChange.objects.create(deal=deal, to_stage=deal.stage, to_name=deal.stage.name, changed_by=deal.owner)
            if create
            else None
        )
    )


class LeadFactory(DjangoModelFactory):
    """A lead typed in by hand, with an email address kept in step with its blind index (as the actions do)."""

    class Meta:
        model = Lead
        skip_postgeneration_save = True

    given_name = "Lead"
    family_name = factory.Sequence(lambda n: f"Person {n}")
    company_name = ""
    email = factory.LazyAttribute(lambda lead: f"lead.{search_key_of(lead.family_name)}@leads.example")
    owner = None
    team = None
    created_by = factory.SelfAttribute("owner")
    updated_by = factory.SelfAttribute("owner")

    email_index = factory.PostGeneration(
        lambda lead, create, extracted, **kwargs: (
            blind.set_entries(LEAD_EMAIL_SCOPE, lead.pk, [blind.normalize_email(str(lead.email))])
            if create and lead.email
            else None
        )
    )


class ActivityFactory(DjangoModelFactory):
    """A task assigned to ``assignee``, due an hour ago (overdue or due today: on their "my day" and in their calendar)."""

    class Meta:
        model = Activity

    kind = ActivityKind.TASK
    subject = factory.Sequence(lambda n: f"Task {n}")
    assignee = None
    team = None
    due_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    at = factory.LazyAttribute(lambda activity: activity.due_at or activity.starts_at or timezone.now())
    created_by = factory.SelfAttribute("assignee")
    updated_by = factory.SelfAttribute("assignee")


def search_key_of(text: str) -> str:
    return "".join(character for character in text.lower() if character.isalnum())


def stage_named(pipeline: Pipeline, name: str) -> Stage:
    return Stage.objects.get(pipeline=pipeline, name=name)

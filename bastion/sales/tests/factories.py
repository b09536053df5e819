"""factory_boy factories for sales: pipelines with stages, and deals.

Like the directory's factories they write rows directly, for speed (no actor, no audit event),
so a test can give a deal any owner and team, also one whose role may not create deals.
Tests of behaviour should go through bastion.sales.actions instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import factory
from django.conf import settings
from factory.django import DjangoModelFactory

from bastion.sales.models import Deal, DealStageChange, Pipeline, Stage, StageKind

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


def stage_named(pipeline: Pipeline, name: str) -> Stage:
    return Stage.objects.get(pipeline=pipeline, name=name)

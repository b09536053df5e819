"""Demo pipelines, exchange rates and deals, created through the actions (deterministic for a seed).

Called by the first-run set-up after the demo directory exists, so ``make run`` opens on a
populated board: two pipelines, deals in every stage, some moved along with their history.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from bastion.commerce.models import Order
from bastion.directory.models import Company, Contact
from bastion.sales import actions, actions_setup
from bastion.sales.models import Deal, DealStageChange, StageKind
from bastion.sales.money import base_currency

NEW_BUSINESS = [
    ("Qualification", 10, StageKind.OPEN), ("Needs analysis", 25, StageKind.OPEN), ("Proposal", 50, StageKind.OPEN),
    ("Negotiation", 75, StageKind.OPEN), ("Won", 100, StageKind.WON), ("Lost", 0, StageKind.LOST),
]  # fmt: skip
RENEWALS = [
    ("Up for renewal", 60, StageKind.OPEN), ("Quote sent", 80, StageKind.OPEN),
    ("Renewed", 100, StageKind.WON), ("Churned", 0, StageKind.LOST),
]  # fmt: skip
CHINA_NEW_BUSINESS = [
    ("初步接洽", 10, StageKind.OPEN), ("需求分析", 25, StageKind.OPEN), ("方案报价", 50, StageKind.OPEN),
    ("商务谈判", 75, StageKind.OPEN), ("赢单", 100, StageKind.WON), ("输单", 0, StageKind.LOST),
]  # fmt: skip
RATES = {"USD": Decimal("1"), "EUR": Decimal("1.08"), "GBP": Decimal("1.27"), "CNY": Decimal("0.14")}
PRODUCTS_EN = ["CRM licences", "Support plan", "Onboarding", "Data migration", "Analytics add-on", "Training days"]
PRODUCTS_ZH = ["CRM 许可证", "技术支持服务", "实施服务", "数据迁移", "分析模块", "培训课程"]
LOST_REASONS = ["Chose a competitor", "No budget this year", "Project cancelled"]
LOST_REASONS_ZH = ["选择了竞争对手", "今年没有预算", "项目取消"]


def _stages(spec: list[tuple[str, int, Any]]) -> list[dict[str, Any]]:
    return [{"name": name, "probability": probability, "kind": kind} for name, probability, kind in spec]


def seed_demo_sales(admin: Any, owners: list[Any], *, deals: int = 120, seed: int = 2024) -> int:
    """Pipelines, rates and ``deals`` deals for the demo companies and contacts; returns how many deals.

    The demo organisation sells in two regions: new business with Chinese companies goes through
    a pipeline of its own whose stages are named in Chinese, as a team in China would name them.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    with transaction.atomic():
        new_business = actions_setup.create_pipeline(admin, {"name": "New business"}, stages=_stages(NEW_BUSINESS))
        renewals = actions_setup.create_pipeline(admin, {"name": "Renewals"}, stages=_stages(RENEWALS))
        china = actions_setup.create_pipeline(admin, {"name": "中国区新业务"}, stages=_stages(CHINA_NEW_BUSINESS))
        base = base_currency()
        for code, rate in RATES.items():
            if code != base:
                actions_setup.set_exchange_rate(admin, code, (rate / RATES.get(base, Decimal(1))).quantize(Decimal("0.00000001")))
        # Each seller sells to companies they can see (their own and their team's, ADR 0027).
        visible = {owner.pk: list(Company.objects.visible_to(owner).order_by("name_key", "id")[:200]) for owner in owners}
        companies = [company for choices in visible.values() for company in choices]
        contacts: dict[tuple[Any, Any], list[Contact]] = {}
        for owner in owners:
            reachable = Contact.objects.visible_to(owner).exclude(company=None).only("id", "company_id")
            for contact in reachable.order_by("sort_name", "id"):
                contacts.setdefault((owner.pk, contact.company_id), []).append(contact)
        pipelines = [
            (new_business, list(new_business.stages.order_by("position"))),
            (renewals, list(renewals.stages.order_by("position"))),
            (china, list(china.stages.order_by("position"))),
        ]
        today = timezone.localdate()
        made = 0
        for number in range(deals if companies else 0):
            owner = owners[number % len(owners)]
            if not visible[owner.pk]:
                continue
            company = rng.choice(visible[owner.pk])
            chinese = company.country == "中国"
            pipeline, stages = pipelines[2 if chinese else 0] if number % 4 else pipelines[1]
            currency = "CNY" if chinese else rng.choice(["USD", "USD", "EUR", "GBP"])
            people = contacts.get((owner.pk, company.pk), [])
            data = {
                "name": f"{company.name} · {rng.choice(PRODUCTS_ZH if chinese else PRODUCTS_EN)}",
                "pipeline": pipeline.pk,
                "amount": Decimal(rng.randrange(20, 2000) * 500),
                "currency": currency,
                "expected_close_date": today + dt.timedelta(days=rng.randint(-20, 150)),
                "company": company.pk,
                "contact": rng.choice(people).pk if people else None,
                "owner": owner.pk,
            }
            deal = actions.create_deal(owner, data)
            made += 1
            # Walk it along the pipeline: most deals stay open, some end won or lost.
            target = rng.choices(range(len(stages)), weights=[5, 4, 3, 2, 2, 1][: len(stages)])[0]
            for stage in stages[1 : target + 1]:
                if stage.kind != StageKind.OPEN and stage is not stages[target]:
                    continue
                reason = rng.choice(LOST_REASONS_ZH if chinese else LOST_REASONS) if stage.kind == StageKind.LOST else None
                actions.move_deal(owner, deal.pk, stage.pk, lost_reason=reason)
            _spread_over_the_past_weeks(deal.pk, rng, timezone.now())
        if companies:
            _seed_leads_and_activities(admin, rng, owners, visible)
        return made


def _spread_over_the_past_weeks(deal_id: Any, rng: random.Random, now: dt.datetime) -> None:
    """Date a demo deal as if it had been worked for weeks: added one to twenty weeks ago, each stage
    change at a later moment, closed (if it is) at its last change, so the deal page's time in each
    stage and the dashboard's quarters read like a real pipeline's; the order a won deal became is
    dated at its close. The audit trail keeps the true moments of the seeding: its events are
    append-only and are not touched."""
    changes = list(DealStageChange.objects.filter(deal_id=deal_id).order_by("changed_at", "id"))
    added = now - dt.timedelta(days=rng.randint(7, 140), hours=rng.randint(0, 23))
    span = (now - added).total_seconds()
    moments = [added, *sorted(added + dt.timedelta(seconds=rng.uniform(0, span)) for _ in changes[1:])]
    for change, moment in zip(changes, moments, strict=True):
        DealStageChange.objects.filter(pk=change.pk).update(changed_at=moment)
    Deal.objects.filter(pk=deal_id).update(created_at=added, updated_at=moments[-1])
    Deal.objects.filter(pk=deal_id, closed_at__isnull=False).update(closed_at=moments[-1])
    Order.objects.filter(deal_id=deal_id).update(ordered_at=moments[-1], created_at=moments[-1], updated_at=moments[-1])


DEMO_LEADS = [
    ("Hannah", "Wright", "Lakeside Dental Group", "Practice Manager", "+44 20 7946 0311"),
    ("Lucas", "Green", "Granite Build Co", "Procurement Lead", "+1 512 555 0142"),
    ("Mia", "Patel", "Evergreen Foods", "Operations Director", ""),
    ("静", "王", "杭州云帆物流有限公司", "运营经理", "+86 571 8123 4567"),
    ("磊", "赵", "成都天成医疗器械有限公司", "采购经理", ""),
    ("Noah", "Hall", "", "Freelance consultant", "+1 415 555 0173"),
]
TASKS = [
    "Send the proposal",
    "Call back about pricing",
    "Prepare the demo",
    "Check the contract draft",
    "发送报价单",
    "确认会议时间",
]


def _seed_leads_and_activities(admin: Any, rng: random.Random, owners: list[Any], visible: dict[Any, list[Company]]) -> None:
    """A few leads from the web form (routed in turn to the first sellers' team) and by hand; tasks,
    meetings and calls on the sellers' days."""
    from bastion.accounts.selectors import default_team_of
    from bastion.sales import actions_activities, actions_leads, actions_routing
    from bastion.sales.models import Deal

    team = next((found for found in map(default_team_of, owners) if found is not None), None)
    if team is not None:
        actions_routing.set_lead_routing(admin, team.pk)
    consent = "I agree that my details and message are stored in order to answer me."
    for number, (given, family, company, title, phone) in enumerate(DEMO_LEADS):
        local = f"{given}.{family}".lower() if given.isascii() else f"lead{number}"
        data = {"given_name": given, "family_name": family, "company_name": company, "job_title": title, "phone": phone}
        data["email"] = f"{local}@{'mail' if not company else 'lead'}.example"
        if number % 2:
            actions_leads.create_lead(owners[number % len(owners)], data)
        else:
            actions_leads.capture_lead({**data, "message": "Please send me a quote."}, consent_text=consent)
    now = timezone.now()
    for number, owner in enumerate(owners):
        deal = Deal.objects.filter(owner=owner).order_by("name_key", "id").first()
        if deal is None and not visible[owner.pk]:
            continue
        about = {"deal": deal.pk} if deal else {"company": rng.choice(visible[owner.pk]).pk}
        for offset, subject in ((-2, TASKS[number % 6]), (0, TASKS[(number + 1) % 6]), (3, TASKS[(number + 2) % 6])):
            due = now.replace(hour=16, minute=0, second=0, microsecond=0) + dt.timedelta(days=offset)
            actions_activities.create_activity(owner, {"kind": "task", "subject": subject, "due_at": due, **about})
        start = now.replace(hour=10, minute=30, second=0, microsecond=0) + dt.timedelta(days=number % 2)
        actions_activities.create_activity(
            owner, {"kind": "meeting", "subject": "Demo", "starts_at": start, "ends_at": start + dt.timedelta(hours=1), **about}
        )
        called = now.replace(hour=11, minute=0, second=0, microsecond=0) - dt.timedelta(days=number % 4 + 1)
        actions_activities.create_activity(owner, {"kind": "call", "subject": "Intro call", "starts_at": called, **about})


# (name, kind of points, looks at, condition, value, points): what a sales team scores first.
DEMO_SCORING_RULES = [
    ("Director or head of", "fit", "job_title", "contains", "Director", 15),
    ("Manager", "fit", "job_title", "contains", "Manager", 10),
    ("经理", "fit", "job_title", "contains", "经理", 10),
    ("Names a company", "fit", "company_name", "is_set", "", 5),
    ("Came through the web form", "fit", "source", "equals", "web_form", 5),
    ("Looked at pricing", "engagement", "interests", "contains", "pricing", 20),
    ("Opens our emails", "engagement", "email_opens_30d", "at_least", "1", 5),
    ("Active this month", "engagement", "interactions_30d", "at_least", "3", 10),
]


def seed_demo_scoring(admin: Any) -> int:
    """The demo's lead-scoring rules (fit and engagement), then every lead scored with them.

    Call after ``seed_demo_engagement``: the engagement rules count the leads' interactions. Scores
    are computed here, not by the rules' after-commit job, so the demo opens with them.
    """
    from bastion.sales import actions_scoring, scoring

    for name, category, field, operator, value, points in DEMO_SCORING_RULES:
        rule = {"name": name, "category": category, "field": field, "operator": operator, "value": value, "points": points}
        actions_scoring.create_rule(admin, rule)
    return scoring.rescore_all()

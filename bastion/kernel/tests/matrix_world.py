"""The world of the generated access matrix (test_record_matrix.py) and the checks on each answer.

:func:`build_world` makes, for one role, the users and teams and one company, contact, deal,
lead and activity per relation (own, same team, other team, shared, managed team), plus the
sales set-up the deals need. Every lead has the same email address, so each is a possible
duplicate of the others; every activity is a task on the role's own contact, due an hour ago.
:class:`Check` sends one request inside a savepoint that is rolled back and judges
the answer: an allowed one by its status (and, when asked, what it must show), a denied one by
its status, no name, id or secret value of the record in the body, and no change in the
database, the audit trail of record changes or the outbox.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from bastion.accounts.models import RecordShare, Team
from bastion.commerce.models import Order, OrderLine
from bastion.directory.models import Company, Contact
from bastion.directory.tests.factories import CompanyFactory, ContactFactory, UserFactory
from bastion.kernel.access.roles import Role
from bastion.kernel.audit.kinds import Outcome
from bastion.kernel.audit.models import AuditEvent
from bastion.sales.models import (
    Activity,
    Deal,
    DealStageChange,
    ExchangeRate,
    Lead,
    LeadRouting,
    LifecyclePolicy,
    Pipeline,
    ScoringRule,
    Stage,
    TerritoryRule,
)
from bastion.sales.tests.factories import ActivityFactory, DealFactory, LeadFactory, pipeline_with_stages, stage_named

OK = 200
KINDS: dict[str, type[Any]] = {
    "company": Company, "contact": Contact, "deal": Deal, "lead": Lead, "activity": Activity, "order": Order,
}  # fmt: skip
OBJECT_TYPES = {
    "company": "directory.company", "contact": "directory.contact", "deal": "sales.deal", "lead": "sales.lead",
    "activity": "sales.activity", "order": "commerce.order",
}  # fmt: skip
LEAD_EMAIL = "mx.lead@leads.example"  # every lead's: each is a possible duplicate of the others
ALLOWED_STATUS = {"get": {200}, "post": {200, 201, 302}, "put": {200}, "patch": {200}, "delete": {204, 302}}
SPARE_STAGES = (("New", 10, "open"), ("Won", 100, "won"), ("Lost", 0, "lost"))


@dataclass
class World:
    me: Any
    records: dict[tuple[str, str], Any] = field(default_factory=dict)  # (kind, relation) -> record
    removable_share: dict[Any, RecordShare] = field(default_factory=dict)  # record pk -> a share to remove
    national_ids: dict[Any, str] = field(default_factory=dict)  # contact pk -> its (restricted) national ID
    delta: Any = None
    member: Any = None
    pipeline: Any = None  # the default pipeline, holding every deal
    spare: Any = None  # a pipeline without deals, not the default: deletable, as are its stages
    rate: str = "JPY"  # an exchange rate no deal uses: deletable
    rule: Any = None  # a lead-scoring rule (ADR 0041)
    receiver: Any = None  # a member of the team that receives web-form leads (ADR 0039)
    territory: Any = None  # a territory rule (ADR 0045)
    teams: dict[str, Any] = field(default_factory=dict)


def name_of(kind: str, relation: str, role: str) -> str:
    return f"Mx{kind[:3]}{relation.replace('_', '')}{role.replace('_', '')}q"


def secret(record: Any) -> str:
    """What a body must not hold when the record is denied (and must hold in a list that shows it)."""
    if isinstance(record, Contact | Lead):
        return str(record.family_name)
    if isinstance(record, Order):
        return str(record.number)
    return str(record.subject if isinstance(record, Activity) else record.name)


def build_world(role: str | None) -> World:
    teams = {name: Team.objects.create(name=name) for name in ("Alpha", "Beta", "Gamma", "Delta")}
    me: Any = UserFactory(username=f"me_{role or 'outsider'}", role=role)
    if role:
        me.membership.teams.add(teams["Alpha"])
    teams["Gamma"].managers.add(me)
    people: dict[str, Any] = {}
    for username, team in (("alpha_mate", "Alpha"), ("beta_rep", "Beta"), ("gamma_rep", "Gamma"), ("bystander", "Delta")):
        people[username] = UserFactory(username=username, role=Role.SALES_REP)
        people[username].membership.teams.add(teams[team])
    owners = {
        "own": (me, "Alpha"), "same_team": (people["alpha_mate"], "Alpha"), "other_team": (people["beta_rep"], "Beta"),
        "shared": (people["beta_rep"], "Beta"), "managed": (people["gamma_rep"], "Gamma"),
    }  # fmt: skip
    pipeline = pipeline_with_stages("Mx pipeline", is_default=True)
    world = World(me=me, delta=teams["Delta"], member=people["alpha_mate"], pipeline=pipeline, teams=teams)
    world.spare = pipeline_with_stages("Mx spare", stages=SPARE_STAGES)
    ExchangeRate.objects.create(currency=world.rate, rate=Decimal("0.0067"))
    world.rule = ScoringRule.objects.create(
        name="Mx rule", category="fit", field="job_title", operator="contains", value="director", points=10
    )
    # Web-form leads go to Beta, with one territory (ADR 0045).
    LeadRouting.objects.create(pk=1, team=teams["Beta"])
    world.receiver = people["beta_rep"]
    world.territory = TerritoryRule.objects.create(country="Mx land", owner=world.receiver, position=1)
    first = stage_named(pipeline, "Qualification")
    until = timezone.now() + dt.timedelta(days=30)
    label = role or "outsider"
    for number, (relation, (owner, team)) in enumerate(owners.items()):
        national_id = f"ZX9003{number}7781"
        company: Any = CompanyFactory(name=name_of("company", relation, label), owner=owner, team=teams[team])
        contact: Any = ContactFactory(
            given_name="Mx",
            family_name=name_of("contact", relation, label),
            owner=owner,
            team=teams[team],
            national_id=national_id,
        )
        world.national_ids[contact.pk] = national_id
        deal: Any = DealFactory(name=name_of("deal", relation, label), stage=first, owner=owner, team=teams[team])
        world.records.update({("company", relation): company, ("contact", relation): contact, ("deal", relation): deal})
        world.records[("order", relation)] = Order.objects.create(
            number=f"ORD-9{number:05d}", contact=contact, currency=settings.BASTION_BASE_CURRENCY, ordered_at=timezone.now(),
            owner=owner, team=teams[team], notes=name_of("order", relation, label),
        )  # fmt: skip
    for relation, (owner, team) in owners.items():
        world.records[("lead", relation)] = LeadFactory(
            given_name="Mx", family_name=name_of("lead", relation, label), email=LEAD_EMAIL, owner=owner, team=teams[team]
        )
        world.records[("activity", relation)] = ActivityFactory(
            subject=name_of("activity", relation, label), assignee=owner, team=teams[team],
            contact=world.records[("contact", "own")],
        )  # fmt: skip
    for (kind, relation), record in world.records.items():
        share = {"object_type": OBJECT_TYPES[kind], "object_id": record.pk, "level": "read", "expires_at": until}
        world.removable_share[record.pk] = RecordShare.objects.create(**share, user=people["bystander"])
        if relation == "shared":
            RecordShare.objects.create(**share, user=me)
    return world


# --- request bodies -----------------------------------------------------------------------------


def html_data(kind: str, data: str, record: Any, world: World) -> dict[str, Any]:
    if data == "confirmed":
        return {"confirmed": "yes"}
    if data == "share":
        until = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
        return {"grantee": f"team:{world.delta.pk}", "level": "read", "expires_on": until}
    if data == "move":
        return {"stage": str(stage_named(world.pipeline, "Proposal").pk)}
    if data in ("convert", "done"):  # converting: a new contact, nothing else; done: the default "yes"
        return {}
    if data == "lifecycle":
        return {"lifecycle_stage": "advocate"}
    if data == "products":  # one free-text line: the deal's amount becomes its total
        return {"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-description": "Mx line",
                "lines-0-quantity": "2", "lines-0-unit_price": "7.50"}  # fmt: skip
    if kind == "company":
        return {"name": record.name, "city": "Changed", "owner": record.owner_id or ""}
    if kind == "deal":
        return {
            "name": record.name, "stage": str(record.stage_id), "amount": "1234.00", "currency": settings.BASTION_BASE_CURRENCY,
            "owner": record.owner_id or "", "team": str(record.team_id or ""),
        }  # fmt: skip
    if kind == "lead":
        return {
            "given_name": "Mx", "family_name": record.family_name, "email": LEAD_EMAIL, "job_title": "Changed",
            "preferred_language": "en", "status": "contacted", "owner": record.owner_id or "", "team": str(record.team_id or ""),
        }  # fmt: skip
    if kind == "order":
        from bastion.kernel.tests.matrix_commerce import order_html_data

        return order_html_data(data, record)
    if kind == "activity":
        due = timezone.localtime(record.due_at).strftime("%Y-%m-%dT%H:%M")
        assignee = record.assignee_id or ""
        return {"kind": "task", "subject": record.subject, "assignee": assignee, "due_at": due, "details": "Changed"}
    from bastion.directory.tests.test_views import contact_form

    return contact_form(given_name="Mx", family_name=record.family_name, job_title="Changed", owner=record.owner_id or "")


def api_data(kind: str, data: str, world: World, record: Any = None) -> dict[str, Any] | None:
    if data == "put":  # a whole record: what a PUT requires, the rest left to the defaults
        name = record.family_name if kind == "contact" else record.name
        return {
            "company": {"name": name, "city": "Changed"},
            "contact": {"given_name": "Mx", "family_name": name, "job_title": "Changed"},
            "deal": {"name": name, "notes": "Changed"},
        }[kind]
    if data == "patch":
        return {
            "company": {"city": "Changed"}, "contact": {"job_title": "Changed"}, "deal": {"notes": "Changed"},
            "lead": {"job_title": "Changed"}, "activity": {"details": "Changed"}, "order": {"notes": "Changed"},
        }[kind]  # fmt: skip
    if data == "status":
        return {"status": "cancelled", "confirmed": "yes"}  # agreed, as the dialog or page does
    if data == "move":
        return {"stage": str(stage_named(world.pipeline, "Proposal").pk)}
    if data == "convert":  # the least a conversion takes: a new contact from the lead, no company, no deal
        return {}
    if data == "lifecycle":
        return {"lifecycle_stage": "advocate"}
    return None


# --- state, calls and checks ----------------------------------------------------------------------


def state(record: Any) -> tuple[Any, ...]:
    """What a denied request must leave as it was: the record, its shares, the counts of every kind of record,
    successful audit events of record changes, reveals and exports (kinds 300-399), and the outbox."""
    row = list(type(record).objects.filter(pk=record.pk).values())
    shares = list(RecordShare.objects.filter(object_id=record.pk).order_by("pk").values())
    successes = AuditEvent.objects.filter(outcome=Outcome.SUCCESS, kind__gte=300, kind__lt=400).count()
    counts = [model.objects.count() for model in (Company, Contact, Deal, DealStageChange, Lead, Activity, Order, OrderLine)]
    return row, shares, successes, counts, len(mail.outbox)


def setup_state() -> tuple[Any, ...]:
    """The sales set-up (pipelines, stages, exchange rates, lead routing, lifecycle policy, scoring rules), the
    deals and leads (their scores), and every successful audit event."""
    models = (Pipeline, Stage, ExchangeRate, LeadRouting, TerritoryRule, LifecyclePolicy, ScoringRule, Deal, Lead)
    rows = [list(model.objects.order_by("pk").values()) for model in models]
    return rows, AuditEvent.objects.filter(outcome=Outcome.SUCCESS).count()


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return str(response.content.decode(errors="replace"))


def call(client: Any, method: str, url: str, data: dict[str, Any] | None, api: bool) -> Any:
    # A flash message of an earlier, rolled-back request ("Contact … deleted") lives in a cookie:
    # drop it, so each answer is judged on its own.
    client.cookies.pop("messages", None)
    if api:
        return getattr(client, method)(url, data or {}, format="json")
    if method == "get":
        return client.get(url)
    return client.post(url, data or {})


@dataclass
class Check:
    client: Any
    api: bool
    failures: list[str]

    def run(
        self,
        label: str,
        method: str,
        url: str,
        data: dict[str, Any] | None,
        want: int,
        record: Any = None,
        *,
        hidden: Sequence[str] = (),
        shows: str = "",
    ) -> None:
        """One request in a rolled-back savepoint, judged against ``want``.

        ``hidden``: more values a denied answer must not hold; ``shows``: what an allowed answer must hold.
        """
        with transaction.atomic():
            before = state(record) if record is not None else None
            response = call(self.client, method, url, data, self.api)
            body = body_of(response)
            after = state(record) if record is not None else None
            transaction.set_rollback(True)
        status = response.status_code
        if want == OK:
            if status not in ALLOWED_STATUS[method]:
                self.failures.append(f"{label}: {method.upper()} {url} allowed by the rules, got {status}")
            elif shows and shows not in body:
                self.failures.append(f"{label}: {method.upper()} {url} allowed, but the answer lacks what it is for")
            return
        if status != want:
            self.failures.append(f"{label}: {method.upper()} {url} should be {want}, got {status}")
        if record is not None:
            if any(value in body for value in (secret(record), str(record.pk), *hidden)):
                self.failures.append(f"{label}: {method.upper()} {url} leaked the record in a {status}")
            if before != after:
                self.failures.append(f"{label}: {method.upper()} {url} changed something although denied")
            if status == 404 and method == "get" and label.split(" ")[0].endswith("-detail"):
                self._same_as_missing(label, url, record, body)

    def _same_as_missing(self, label: str, url: str, record: Any, body: str) -> None:
        fake = str(uuid.uuid4())
        with transaction.atomic():
            missing = call(self.client, "get", url.replace(str(record.pk), fake), None, self.api)
            transaction.set_rollback(True)
        normal = missing.content.decode(errors="replace").replace(fake, str(record.pk))
        if missing.status_code != 404 or unvarying(normal) != unvarying(body):
            self.failures.append(f"{label}: GET {url} answers differently from an id that does not exist")


def unvarying(body: str) -> str:
    """A body without what differs between any two requests (CSRF tokens, request ids)."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return re.sub(r"[0-9a-f]{32}|[0-9a-f-]{36}", "", body)

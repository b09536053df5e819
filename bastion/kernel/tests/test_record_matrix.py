"""The generated access matrix: every role x every page and API endpoint x own / same-team /
other-team / shared / managed-team record, with the expected answer computed from ``POLICIES``
and the record rules of ADR 0027 (:func:`expected`), not from the code under test.

- The endpoints come from walking the URL map (:func:`url_map`). A URL name must either match a
  record endpoint pattern (``directory:<kind>-<action>``, ``api-<kind>-<action>``) whose action
  is known here, be a role-gated page in ``GATED``, or be exempt with a reason in ``EXEMPT``;
  :func:`test_every_url_is_in_the_matrix` fails on anything else, so a new endpoint is covered
  automatically or breaks the build.
- Each deny asserts: the expected status (403 when the role may not, 404 when the record is not
  theirs), no name and no id of the record in the body, no change in the database, no audit
  event of a record change claiming success, and no email. A 404 of a detail page or API
  retrieve must be identical to that of an id that does not exist (no oracle).
- Each allowed request runs inside a savepoint that is rolled back, so one world serves every
  check of a role; destructive checks (delete, erase) run last for each record.

One test per role (11, the outsider included) keeps the run to about ten seconds per role: the
world (users, teams, 30 records, shares) is built once per test with factories and the Django
test client is used throughout.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bastion.accounts.models import RecordShare, Team
from bastion.accounts.testing import enrol_totp
from bastion.accounts.tokens import issue_token
from bastion.directory.models import Company, Contact
from bastion.directory.tests.factories import CompanyFactory, ContactFactory, UserFactory
from bastion.kernel.access.records import Need
from bastion.kernel.access.roles import POLICIES, RecordAccess, Role
from bastion.kernel.audit.kinds import Outcome
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

OK = 200
ROLES: list[str | None] = [*Role.values, None]  # None: an outsider, signed in but with no membership
RELATIONS = ["own", "same_team", "other_team", "shared", "managed"]
# What each relation grants by the rules (before the role): owner and manager manage, the team
# edits (the default visibility is "team"), a read share reads, another team's record nothing.
GRANTS = {"own": Need.MANAGE, "managed": Need.MANAGE, "same_team": Need.EDIT, "shared": Need.READ, "other_team": 0}
ERASE = 99  # a contact's crypto-shred: edit rights and the administrator's duty

# Record endpoints by action: [(method, data kind, need)]. Unknown actions fail the URL-map test.
HTML_ACTIONS: dict[str, list[tuple[str, str, int]]] = {
    "detail": [("get", "", Need.READ)],
    "history": [("get", "", Need.READ)],
    "edit": [("get", "", Need.EDIT), ("post", "form", Need.EDIT)],
    "sharing": [("get", "", Need.MANAGE), ("post", "share", Need.MANAGE)],
    "share-remove": [("get", "", Need.MANAGE), ("post", "confirmed", Need.MANAGE)],
    "delete": [("get", "", Need.EDIT), ("post", "confirmed", Need.EDIT)],
    "erase": [("get", "", ERASE), ("post", "confirmed", ERASE)],
}
API_ACTIONS: dict[str, list[tuple[str, str, int]]] = {
    "detail": [("get", "", Need.READ), ("patch", "patch", Need.EDIT), ("delete", "", Need.EDIT)],
    "erase": [("post", "", ERASE)],
}
LIST_ACTIONS = {"list", "suggest"}  # visibility shows as presence in the list
# Lists over several kinds of record, by URL name.
MULTI_LISTS = {"directory:search": ("company", "contact")}
CREATE_ACTIONS = {"create"}  # role-level: may the role add records at all
ORDER = ["detail", "history", "edit", "sharing", "share-remove", "delete", "erase"]  # destructive last
# Role-gated pages that are not about one record: who may open them, from the policies.
# URL arguments: "member" is another member of staff.
GATED: dict[str, tuple[Any, str]] = {
    "roles-matrix": (lambda policy: policy is not None, ""),
    "accounts:record-defaults": (lambda policy: policy is not None and policy.manages_users, ""),
    "accounts:staff": (lambda policy: policy is not None and policy.manages_users, ""),
    "accounts:staff-member": (lambda policy: policy is not None and policy.manages_users, "member"),
    "accounts:staff-disable": (lambda policy: policy is not None and policy.manages_users, "member"),
    "accounts:access-review": (lambda policy: policy is not None and (policy.manages_users or policy.audit_trail), ""),
    "accounts:access-review-csv": (lambda policy: policy is not None and (policy.manages_users or policy.audit_trail), ""),
    "audit:event-list": (lambda policy: policy is not None and policy.audit_trail, ""),
    "audit:event-csv": (lambda policy: policy is not None and policy.audit_trail, ""),
}
# Not role-gated, with the reason. Everything else must be a record endpoint or in GATED.
EXEMPT_PREFIXES = {
    "account_": "allauth's sign-in, password and email flows: for anyone, before any role applies",
    "mfa_": "allauth's second-factor pages: the user's own authenticators",
    "usersessions_": "the user's own sessions",
}
EXEMPT = {
    "home": "redirects a signed-in user to the contact list, which is in the matrix",
    "healthz": "process liveness, no data",
    "readyz": "database readiness, no data",
    "set_language": "language cookie",
    "javascript-catalog": "translations for the front end",
    "accounts:profile": "the user's own profile",
    "accounts:tokens": "the user's own API tokens",
    "accounts:token-create": "the user's own API tokens",
    "accounts:token-revoke": "the user's own API tokens (someone else's is a 404, tested in accounts)",
    "accounts:session-end": "the user's own sessions",
    "api-me": "the token holder's own identity",
    "api-schema": "the OpenAPI document (no records), tested in tests/test_openapi.py",
    "api-docs": "the API's documentation page (no records)",
}
RECORD_NAME = re.compile(r"^(?:directory:(?P<html>company|contact)|api-(?P<api>company|contact))-(?P<action>[a-z-]+)$")
MODELS: dict[str, type[Company] | type[Contact]] = {"company": Company, "contact": Contact}


def url_map() -> Iterator[tuple[str, str]]:
    """(name, pattern) of every named URL, walking includes and namespaces."""

    def walk(patterns: list[Any], namespace: str, prefix: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)

    yield from walk(get_resolver().url_patterns, "", "")


def classify(name: str) -> str:
    """``record``, ``gated``, ``exempt`` or ``unknown`` for a URL name."""
    match = RECORD_NAME.match(name)
    if match:
        action = match["action"]
        known = API_ACTIONS if match["api"] else HTML_ACTIONS
        return "record" if action in known or action in LIST_ACTIONS | CREATE_ACTIONS else "unknown"
    if name in MULTI_LISTS:
        return "record"
    if name in GATED:
        return "gated"
    if name in EXEMPT or any(name.startswith(prefix) for prefix in EXEMPT_PREFIXES):
        return "exempt"
    return "unknown"


def test_every_url_is_in_the_matrix() -> None:
    unknown = [f"{name} ({pattern})" for name, pattern in url_map() if classify(name) == "unknown"]
    assert not unknown, f"add these endpoints to the access matrix (bastion/kernel/tests/test_record_matrix.py): {unknown}"


# --- the oracle: expected answers from POLICIES and the rules -------------------------------------


def expected(role: str | None, relation: str | None, need: int, *, api: bool = False) -> int:
    """200 (allowed), 403 (the role may not) or 404 (the record is not theirs, and looks missing).

    Erasing is a duty of administrators on top of edit rights: the API refuses other roles
    before looking the record up (403 whatever the id), the page after (404 unless editable).
    """
    policy = POLICIES.get(role) if role else None
    if policy is None or policy.customer_records == RecordAccess.NONE:
        return 403
    if need >= Need.EDIT and policy.customer_records != RecordAccess.WRITE:
        return 403
    if need == ERASE and role != Role.ADMINISTRATOR and api:
        return 403
    record_need = Need.EDIT if need == ERASE else need
    if relation is not None and not policy.all_records and GRANTS[relation] < record_need:
        return 404
    if need == ERASE and role != Role.ADMINISTRATOR:
        return 403
    return OK


# --- the world -------------------------------------------------------------------------------------


@dataclass
class World:
    me: Any
    records: dict[tuple[str, str], Any] = field(default_factory=dict)  # (kind, relation) -> record
    removable_share: dict[Any, RecordShare] = field(default_factory=dict)  # record pk -> a share to remove
    delta: Any = None
    member: Any = None


def _name(kind: str, relation: str, role: str) -> str:
    return f"Mx{kind[:2]}{relation.replace('_', '')}{role.replace('_', '')}q"


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
    world = World(me=me, delta=teams["Delta"], member=people["alpha_mate"])
    until = timezone.now() + dt.timedelta(days=30)
    label = role or "outsider"
    for relation, (owner, team) in owners.items():
        company: Any = CompanyFactory(name=_name("company", relation, label), owner=owner, team=teams[team])
        family = _name("contact", relation, label)
        contact: Any = ContactFactory(given_name="Mx", family_name=family, owner=owner, team=teams[team])
        pairs: list[tuple[str, Any]] = [("company", company), ("contact", contact)]
        for kind, record in pairs:
            world.records[(kind, relation)] = record
            world.removable_share[record.pk] = RecordShare.objects.create(
                object_type=f"directory.{kind}", object_id=record.pk, user=people["bystander"], level="read", expires_at=until
            )
            if relation == "shared":
                RecordShare.objects.create(
                    object_type=f"directory.{kind}", object_id=record.pk, user=me, level="read", expires_at=until
                )
    return world


# --- requests and the checks on each answer ----------------------------------------------------------


def _html_data(kind: str, data: str, record: Any, world: World) -> dict[str, Any]:
    if data == "confirmed":
        return {"confirmed": "yes"}
    if data == "share":
        until = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
        return {"grantee": f"team:{world.delta.pk}", "level": "read", "expires_on": until}
    if kind == "company":
        return {"name": record.name, "city": "Changed", "owner": record.owner_id or ""}
    from bastion.directory.tests.test_views import contact_form

    return contact_form(given_name="Mx", family_name=record.family_name, job_title="Changed", owner=record.owner_id or "")


def _state(record: Any) -> tuple[Any, ...]:
    model = type(record)
    row = list(model.objects.filter(pk=record.pk).values())
    shares = list(RecordShare.objects.filter(object_id=record.pk).order_by("pk").values())
    successes = AuditEvent.objects.filter(outcome=Outcome.SUCCESS, kind__gte=300, kind__lt=400).count()
    return row, shares, successes, Company.objects.count(), Contact.objects.count(), len(mail.outbox)


def _call(client: Any, method: str, url: str, data: dict[str, Any] | None, api: bool) -> Any:
    # A flash message of an earlier, rolled-back request ("Contact … deleted") lives in a cookie:
    # drop it, so each answer is judged on its own.
    client.cookies.pop("messages", None)
    if api:
        return getattr(client, method)(url, data or {}, format="json")
    if method == "get":
        return client.get(url)
    return client.post(url, data or {})


ALLOWED_STATUS = {"get": {200}, "post": {200, 201, 302}, "patch": {200}, "delete": {204, 302}}


@dataclass
class Check:
    client: Any
    api: bool
    failures: list[str]

    def run(self, label: str, method: str, url: str, data: dict[str, Any] | None, want: int, record: Any = None) -> None:
        """One request in a rolled-back savepoint, judged against ``want``."""
        with transaction.atomic():
            before = _state(record) if record is not None else None
            response = _call(self.client, method, url, data, self.api)
            after = _state(record) if record is not None else None
            transaction.set_rollback(True)
        status = response.status_code
        if want == OK:
            if status not in ALLOWED_STATUS[method]:
                self.failures.append(f"{label}: {method.upper()} {url} allowed by the rules, got {status}")
            return
        if status != want:
            self.failures.append(f"{label}: {method.upper()} {url} should be {want}, got {status}")
        body = response.content.decode(errors="replace")
        if record is not None:
            secret = record.name if isinstance(record, Company) else record.family_name
            if secret in body or str(record.pk) in body:
                self.failures.append(f"{label}: {method.upper()} {url} leaked the record in a {status}")
            if before != after:
                self.failures.append(f"{label}: {method.upper()} {url} changed something although denied")
            if status == 404 and method == "get" and label.split(" ")[0].endswith("-detail"):
                self._same_as_missing(label, url, record, body)

    def _same_as_missing(self, label: str, url: str, record: Any, body: str) -> None:
        fake = str(uuid.uuid4())
        with transaction.atomic():
            missing = _call(self.client, "get", url.replace(str(record.pk), fake), None, self.api)
            transaction.set_rollback(True)
        normal = missing.content.decode(errors="replace").replace(fake, str(record.pk))
        if missing.status_code != 404 or _unvarying(normal) != _unvarying(body):
            self.failures.append(f"{label}: GET {url} answers differently from an id that does not exist")


def _unvarying(body: str) -> str:
    """A body without what differs between any two requests (CSRF tokens, request ids)."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return re.sub(r"[0-9a-f]{32}|[0-9a-f-]{36}", "", body)


def _record_url(name: str, kind: str, action: str, record: Any, world: World) -> str:
    if action == "share-remove":
        return reverse(name, args=[record.pk, world.removable_share[record.pk].pk])
    if name.startswith("api-"):
        return reverse(name, kwargs={"id": str(record.pk)})
    return reverse(name, args=[record.pk])


def _list_url(name: str) -> str:
    query = {"directory:search": "?q=mx", "directory:company-suggest": "?company_name=mx"}.get(name, "?limit=100")
    return reverse(name) + query


def _record_endpoints() -> list[tuple[str, str, str, bool]]:
    """(url name, kind, action, is_api) of every record endpoint in the URL map."""
    found = []
    for name, _pattern in url_map():
        match = RECORD_NAME.match(name)
        if match and classify(name) == "record":
            found.append((name, match["html"] or match["api"], match["action"], bool(match["api"])))
        elif name in MULTI_LISTS:
            found.append((name, "", "list", False))
    return found


def _lists(role: str | None, world: World, html: Check, api: Check) -> None:
    for name, kind, action, is_api in _record_endpoints():
        if action not in LIST_ACTIONS:
            continue
        check = api if is_api else html
        url = reverse(name) + "?limit=100" if is_api else _list_url(name)
        with transaction.atomic():
            response = _call(check.client, "get", url, None, is_api)
            transaction.set_rollback(True)
        want = expected(role, None, Need.READ)
        if response.status_code != (want if want != OK else 200):
            check.failures.append(f"{name}: GET {url} should be {want}, got {response.status_code}")
            continue
        body = response.content.decode()
        kinds = MULTI_LISTS.get(name, (kind,))
        for (record_kind, relation), record in world.records.items():
            if record_kind not in kinds:
                continue
            secret = record.name if record_kind == "company" else record.family_name
            shown = secret in body
            if shown != (expected(role, relation, Need.READ) == OK):
                check.failures.append(
                    f"{name} [{relation}]: {'shows' if shown else 'hides'} the {record_kind}, against the rules"
                )


def _creates(role: str | None, html: Check, api: Check) -> None:
    want = expected(role, None, Need.EDIT)
    for name, _kind, action, _is_api in _record_endpoints():
        if action not in CREATE_ACTIONS:
            continue
        html.run(name, "get", reverse(name), None, want)
    for kind, data in (("company", {"name": "Mx new company"}), ("contact", {"given_name": "Mx", "family_name": "New"})):
        api.run(f"api-{kind}-list POST", "post", reverse(f"api-{kind}-list"), data, want)


def _gated(role: str | None, html: Check, world: World) -> None:
    policy = POLICIES.get(role) if role else None
    for name, (allows, argument) in GATED.items():
        response = html.client.get(reverse(name, args=[world.member.pk] if argument == "member" else []))
        allowed = bool(allows(policy))
        if (response.status_code == 200) != allowed or (not allowed and response.status_code not in (403, 404)):
            html.failures.append(f"{name}: {'allowed' if allowed else 'denied'} by the policy, got {response.status_code}")


def _clients(me: Any, role: str | None) -> tuple[Client, APIClient]:
    enrol_totp(me)
    html = Client()
    html.force_login(me)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(me, name='matrix', days=1).plaintext}")
    return html, api


@pytest.mark.parametrize("role", ROLES, ids=[role or "outsider" for role in ROLES])
def test_role_against_every_endpoint_and_record(role: str | None) -> None:
    world = build_world(role)
    html_client, api_client = _clients(world.me, role)
    failures: list[str] = []
    html, api = Check(html_client, False, failures), Check(api_client, True, failures)
    _gated(role, html, world)
    _lists(role, world, html, api)
    _creates(role, html, api)
    endpoints = sorted(
        (e for e in _record_endpoints() if e[2] not in LIST_ACTIONS | CREATE_ACTIONS), key=lambda e: ORDER.index(e[2])
    )
    for relation in RELATIONS:
        for name, kind, action, is_api in endpoints:
            record = world.records[(kind, relation)]
            url = _record_url(name, kind, action, record, world)
            for method, data, need in (API_ACTIONS if is_api else HTML_ACTIONS)[action]:
                if is_api:
                    body = ({"city": "Changed"} if kind == "company" else {"job_title": "Changed"}) if data == "patch" else None
                else:
                    body = _html_data(kind, data, record, world) if data else None
                (api if is_api else html).run(
                    f"{name} [{relation}]", method, url, body, expected(role, relation, need, api=is_api), record
                )
    assert not failures, "\n".join(failures)


def test_the_oracle_itself() -> None:
    """A few answers written out by hand, so the oracle cannot drift into agreeing with anything."""
    assert expected(Role.SALES_REP, "other_team", Need.READ) == 404
    assert expected(Role.SALES_REP, "same_team", Need.EDIT) == OK
    assert expected(Role.SALES_REP, "same_team", Need.MANAGE) == 404
    assert expected(Role.SALES_REP, "shared", Need.READ) == OK and expected(Role.SALES_REP, "shared", Need.EDIT) == 404
    assert expected(Role.SALES_MANAGER, "managed", Need.MANAGE) == OK
    assert expected(Role.SALES_REP, "own", ERASE) == 403 and expected(Role.ADMINISTRATOR, "other_team", ERASE) == OK
    assert expected(Role.SALES_REP, "other_team", ERASE) == 404 and expected(Role.SALES_REP, "other_team", ERASE, api=True) == 403
    assert expected(Role.READ_ONLY, "own", Need.READ) == OK and expected(Role.READ_ONLY, "own", Need.EDIT) == 403
    assert expected(Role.SECURITY_OFFICER, "own", Need.READ) == 403 and expected(None, "own", Need.READ) == 403
    assert expected(Role.EXECUTIVE, None, Need.READ) == 403

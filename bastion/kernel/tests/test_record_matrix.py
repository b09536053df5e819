"""The generated access matrix: every role x every page and API endpoint x own / same-team /
other-team / shared / managed-team record, with the expected answer computed from ``POLICIES``
and the record rules of ADR 0027 (:func:`expected` and its siblings), not from the code under test.

- The endpoints come from walking the URL map (:func:`url_map`). A URL name must either match a
  record endpoint pattern (``directory:<kind>-<action>``, ``sales:<deal|lead|activity>-<action>``,
  ``api-<kind>-<action>``) whose action is known here, be a role-gated page in ``GATED``,
  ``API_GATED``, ``API_GATED_POSTS`` or ``SETUP``, a list of the user's own activities in ``OWN_LISTS``, an endpoint of
  interactions and interests (judged per person in matrix_engagement.py), or be exempt
  with a reason in ``EXEMPT``; :func:`test_every_url_is_in_the_matrix` fails on anything else
  (and on an API method the tables do not know), so a new endpoint is covered automatically or
  breaks the build.
- Companies, contacts, deals, leads, activities and orders are owned records (``Owned``; an activity's
  owner is its assignee): one of each per relation. Lists, CSV exports, a lead's possible
  duplicates and a contact's activity timeline must show exactly the records the role may read;
  "my day" and the calendars only the role's own activities (matrix_sales.py); counts and sums
  (deal totals) are judged by their status. Converting a lead creates a contact: a denied
  conversion must create nothing.
- Each deny asserts: the expected status (403 when the role may not, 404 when the record is not
  theirs), no name and no id of the record (nor a value being revealed) in the body, no change
  in the database, no audit event of a record change, reveal or export claiming success, and
  no email. A 404 of a detail page or API retrieve must be identical to that of an id that does
  not exist (no oracle).
- The sales set-up (pipelines, stages, exchange rates, lead routing) is the organisation's
  vocabulary: read by every role that reads customer records, changed by administrators only
  (matrix_sales.py).
- Exports and reveals need a fresh second factor: the session steps up once; API tokens cannot
  prove one, so they are refused for every role, and the session calls the same API endpoints.
- Each allowed request runs inside a savepoint that is rolled back, so one world serves every
  check of a role; destructive checks (delete, erase) run last for each record.

One test per role (11, the outsider included): the world (users, teams, 25 records with their
shares, two pipelines, an exchange rate) is built once per test with
factories (matrix_world.py) and the Django test client is used throughout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bastion.accounts.testing import enrol_totp, step_up
from bastion.accounts.tokens import issue_token
from bastion.kernel.access.records import Need, Owned
from bastion.kernel.access.roles import POLICIES, RecordAccess, Role
from bastion.kernel.crypto.classification import DataClass
from bastion.kernel.tests.matrix_commerce import (
    LIFETIME_VALUE,
    NO_ORDERS,
    check_lifetime_value,
    check_product_exports,
    check_products,
    expected_order,
    is_commerce_gated,
    new_order,
)
from bastion.kernel.tests.matrix_engagement import check_engagement, is_engagement_gated
from bastion.kernel.tests.matrix_sales import CONFIGURE, OWN_LISTS, READ, SETUP, check_own_lists, check_setup
from bastion.kernel.tests.matrix_world import (
    OK,
    Check,
    World,
    api_data,
    body_of,
    build_world,
    call,
    html_data,
    secret,
)
from bastion.sales.models import Activity, Deal, Lead

pytestmark = pytest.mark.django_db

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
    "move": [("post", "move", Need.EDIT)],
    "products": [("get", "", Need.EDIT), ("post", "products", Need.EDIT)],  # a deal's product lines (ADR 0044)
    "status": [("post", "status", Need.EDIT)],  # an order: one of its status buttons
    "done": [("post", "done", Need.EDIT)],  # an activity: mark the task done
    "convert": [("post", "convert", Need.EDIT)],  # a lead: into a contact (the least it takes)
    "lifecycle": [("post", "lifecycle", Need.EDIT)],  # a contact's or lead's lifecycle stage by hand (ADR 0044)
    "sharing": [("get", "", Need.MANAGE), ("post", "share", Need.MANAGE)],
    "share-remove": [("get", "", Need.MANAGE), ("post", "confirmed", Need.MANAGE)],
    "delete": [("get", "", Need.EDIT), ("post", "confirmed", Need.EDIT)],
    "erase": [("get", "", ERASE), ("post", "confirmed", ERASE)],
}
API_ACTIONS: dict[str, list[tuple[str, str, int]]] = {
    "detail": [("get", "", Need.READ), ("put", "put", Need.EDIT), ("patch", "patch", Need.EDIT), ("delete", "", Need.EDIT)],
    "history": [("get", "", Need.READ)],
    "duplicates": [("get", "", Need.READ)],  # a lead's possible duplicates
    "move": [("post", "move", Need.EDIT)],
    "status": [("post", "status", Need.EDIT)],  # an order
    "convert": [("post", "convert", Need.EDIT)],
    "lifecycle": [("get", "", Need.READ), ("post", "lifecycle", Need.EDIT)],
    "erase": [("post", "", ERASE)],
}
NO_PUT = {"lead", "activity", "order"}  # changed with PATCH only (sales/api_urls.py, commerce/api_urls.py)
LIST_ACTIONS = {"list", "suggest", "board"}  # visibility shows as presence in the list
AGGREGATE_ACTIONS = {"totals"}  # counts and sums, no names: judged by the status
EXPORT_ACTIONS = {"export"}  # a list as CSV: presence, with a fresh second factor
REVEAL_ACTIONS = {"reveal"}  # a masked restricted value: read rights, the role's duty and a fresh factor
REVEALED_FIELD = {"contact": "national_id", "lead": "email"}  # the restricted field each kind's reveal is tried on
# Lists over several kinds of record, by URL name.
MULTI_LISTS = {"directory:search": ("company", "contact")}
CREATE_ACTIONS = {"create"}  # role-level: may the role add records at all
ORDER = [
    "detail",
    "history",
    "duplicates",
    "edit",
    "move",
    "products",
    "status",
    "done",
    "convert",
    "lifecycle",
    "sharing",
    "share-remove",
    "delete",
    "erase",
]
ROLE_LEVEL = LIST_ACTIONS | AGGREGATE_ACTIONS | EXPORT_ACTIONS | REVEAL_ACTIONS | CREATE_ACTIONS


def _writes(policy: Any) -> bool:
    return policy is not None and policy.customer_records == RecordAccess.WRITE


def _takes_orders(policy: Any) -> bool:
    """Writes customer records, and is not a marketing role (which reads orders, never changes them)."""
    return _writes(policy) and all(policy != POLICIES[role] for role in NO_ORDERS)


def _reads_audit_trail(policy: Any) -> bool:
    return policy is not None and policy.audit_trail


# Role-gated pages that are not about one record: who may open them, from the policies.
# URL arguments: "member" is another member of staff, "alert" a security alert; any other word is passed as it is.
GATED: dict[str, tuple[Any, str]] = {
    "roles-matrix": (lambda policy: policy is not None, ""),
    "accounts:record-defaults": (lambda policy: policy is not None and policy.manages_users, ""),
    "accounts:staff": (lambda policy: policy is not None and policy.manages_users, ""),
    "accounts:staff-member": (lambda policy: policy is not None and policy.manages_users, "member"),
    "accounts:staff-disable": (lambda policy: policy is not None and policy.manages_users, "member"),
    "sales:hand-over": (lambda policy: policy is not None and policy.manages_users, "member"),
    "accounts:staff-new": (lambda policy: policy is not None and policy.manages_users, ""),
    "accounts:staff-one-time-password": (lambda policy: policy is not None and policy.manages_users, "member"),
    "accounts:access-review": (lambda policy: policy is not None and (policy.manages_users or policy.audit_trail), ""),
    "accounts:access-review-csv": (lambda policy: policy is not None and (policy.manages_users or policy.audit_trail), ""),
    "audit:event-list": (lambda policy: policy is not None and policy.audit_trail, ""),
    "audit:event-csv": (lambda policy: policy is not None and policy.audit_trail, ""),
    "audit:alert-list": (_reads_audit_trail, ""),
    "audit:alert-detail": (_reads_audit_trail, "alert"),
    "audit:configuration": (_reads_audit_trail, ""),  # the POST that records a run: kernel/configaudit/tests
    # Organisation-wide counts and sums, no record (sales/selectors_dashboard.py; sales/tests/test_dashboard.py).
    "sales:dashboard": (lambda policy: policy is not None and policy.dashboards, ""),
    "imports:list": (_writes, ""),  # importing writes customer records
    "imports:new": (_writes, ""),
    # A list's "Change owner" of chosen records: the page asks writers; each record is then checked by its
    # update action (sales/tests/test_change_owner.py tries every kind).
    "sales:change-owner": (_writes, "deals"),
    "sales:tag-chosen": (_writes, "companies"),  # likewise for tags (sales/tests/test_tag_chosen.py)
    "sales:move-chosen": (_writes, ""),  # likewise for a deal's stage (sales/tests/test_move_chosen.py)
    "sales:lead-status-chosen": (_writes, ""),  # and a lead's status (sales/tests/test_lead_status_chosen.py)
    "sales:order-status-chosen": (_takes_orders, ""),  # and an order's (commerce/tests/test_order_status_chosen.py)
    # Deleting chosen companies, contacts, leads, deals, activities (writers) and orders (roles that take
    # orders): each record then goes through its delete action (sales/tests/test_delete_chosen.py).
    "sales:delete-chosen": (_writes, "leads"),
    "sales:order-delete-chosen": (_takes_orders, ""),
    "sales:product-delete-chosen": (lambda policy: policy is not None and policy == POLICIES[Role.ADMINISTRATOR], ""),
}
API_GATED: dict[str, Any] = {"api-import-list": _writes, "api-security-alert-list": _reads_audit_trail}
# API endpoints of one thing that is no customer record, with the URL argument as in GATED.
API_GATED_ONE: dict[str, tuple[Any, str]] = {"api-security-alert-detail": (_reads_audit_trail, "alert")}
API_GATED_POSTS_ONE: dict[str, tuple[Any, str]] = {"api-security-alert-close": (_reads_audit_trail, "alert")}
# What the API does with records chosen on a list (POST only): an empty body reaches validation (400, nothing
# written) for a role allowed, 403 otherwise; each record is then judged by its update action, as on the web pages
# (sales/tests/test_api_chosen.py tries every kind, relation and refusal).
API_GATED_POSTS: dict[str, Any] = {
    **{f"api-{kind}-change-owner": _writes for kind in ("company", "contact", "lead", "deal", "activity")},
    "api-activity-done-chosen": _writes,
    "api-deal-move-chosen": _writes,
    "api-lead-status-chosen": _writes,
    "api-order-status-chosen": _takes_orders,
    **{f"api-{kind}-delete-chosen": _writes for kind in ("company", "contact", "lead", "deal", "activity")},
    "api-order-delete-chosen": _takes_orders,
    "api-product-delete-chosen": lambda policy: policy is not None and policy == POLICIES[Role.ADMINISTRATOR],
    "api-product-active-chosen": lambda policy: policy is not None and policy == POLICIES[Role.ADMINISTRATOR],
    **{f"api-{kind}-tags": _writes for kind in ("company", "contact")},
}
# Not role-gated, with the reason. Everything else must be a record endpoint or gated.
EXEMPT_PREFIXES = {
    "account_": "allauth's sign-in, password and email flows: for anyone, before any role applies",
    "mfa_": "allauth's second-factor pages: the user's own authenticators",
    "usersessions_": "the user's own sessions",
}
IMPORT_JOB = (
    "an import job is personal (Personal('created_by'); administrators see all) and only writers reach it "
    "(the list and upload pages are in GATED / API_GATED): another user's job is a 404 that leaks nothing and changes "
    "nothing in bastion/imports/tests/test_views.py::test_another_users_import_is_404_everywhere and "
    "test_api.py::test_another_users_import_is_not_found_and_not_changed; roles that may not write are refused in "
    "test_views.py::test_roles_without_customer_write_access_are_refused, "
    "test_api.py::test_roles_that_may_not_write_customer_records_are_refused and "
    "test_actions.py::test_roles_that_may_not_write_customer_records_cannot_import"
)
EXEMPT = {
    "home": "redirects a signed-in user to the first page their role may use (kernel/tests/test_landing_and_menu.py)",
    "favicon": "a redirect to the static icon, no data (tests/test_favicon.py)",
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
    "sales:lead-public-form": (
        "the public web form (ADR 0035): anyone, without signing in, adds a lead and reads nothing back; consent, "
        "throttling and the honeypot are tested in bastion/sales/tests/test_leads.py"
    ),
    "sales:done-chosen": (
        'the activity list\'s "Mark done" of ticked tasks (POST only): writer roles only (writer_required, as '
        "sales:change-owner in GATED), each task then judged by set_done; every persona is tried in "
        "bastion/sales/tests/test_chosen_activities.py::test_only_writers_mark_chosen_tasks_done"
    ),
    "sales:product-active-chosen": (
        'the product list\'s "Activate" and "Deactivate" of ticked products (POST only): administrators only '
        "(admin_required, as commerce:product-edit), each product then changed through update_product; every persona "
        "is tried in bastion/commerce/tests/test_product_active_chosen.py::test_only_administrators_switch_products"
    ),
    "sales:hand-over-job": (
        "one hand-over of a colleague's work (two ids: the colleague and the job): administrators only, like "
        "sales:hand-over in GATED; every other persona is refused and one filed under another colleague is a 404 in "
        "bastion/sales/tests/test_handover_jobs.py::test_only_administrators_see_a_hand_over_and_only_under_its_colleague"
    ),
    **{f"imports:{name}": IMPORT_JOB for name in ("detail", "mapping", "progress", "report", "delete")},
    **{f"api-import-{name}": IMPORT_JOB for name in ("detail", "start", "rejections")},
}
RECORD_NAME = re.compile(
    r"^(?:directory:(?P<html>company|contact)|sales:(?P<sales>deal|lead|activity|contact)|commerce:(?P<commerce>order)"
    r"|api-(?P<api>company|contact|deal|lead|activity|order))-(?P<action>[a-z-]+)$"
)
REASON = "Checking the access matrix of issue 5"
NEW: dict[str, Any] = {
    "company": {"name": "Mx new company"}, "contact": {"given_name": "Mx", "family_name": "New"}, "deal": {"name": "Mx new"},
    "lead": {"given_name": "Mx", "family_name": "New", "email": "mx.new@leads.example"},
    "activity": {"kind": "task", "subject": "Mx new task"}, "order": new_order,
}  # fmt: skip


def _kind(match: re.Match[str]) -> str:
    return str(match["html"] or match["sales"] or match["commerce"] or match["api"])


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
    """``record``, ``gated``, ``exempt`` or ``unknown`` for a URL name (the tables before the record pattern)."""
    if name in GATED or name in API_GATED or name in API_GATED_POSTS or name in SETUP or name in OWN_LISTS:
        return "gated"
    if name in API_GATED_ONE or name in API_GATED_POSTS_ONE:
        return "gated"
    if is_commerce_gated(name):
        return "gated"
    if is_engagement_gated(name):
        return "gated"
    if name in EXEMPT or any(name.startswith(prefix) for prefix in EXEMPT_PREFIXES):
        return "exempt"
    match = RECORD_NAME.match(name)
    if match:
        known = API_ACTIONS if match["api"] else HTML_ACTIONS
        if match["action"] in REVEAL_ACTIONS and _kind(match) not in REVEALED_FIELD:
            return "unknown"  # _reveals knows which field of a contact and of a lead to reveal
        return "record" if match["action"] in known or match["action"] in ROLE_LEVEL else "unknown"
    return "record" if name in MULTI_LISTS else "unknown"


def _api_methods(kind: str, action: str) -> list[tuple[str, str, int]]:
    return [entry for entry in API_ACTIONS[action] if not (kind in NO_PUT and entry[0] == "put")]


def test_every_url_is_in_the_matrix() -> None:
    unknown = [f"{name} ({pattern})" for name, pattern in url_map() if classify(name) == "unknown"]
    assert not unknown, f"add these endpoints to the access matrix (bastion/kernel/tests/test_record_matrix.py): {unknown}"
    # Each API endpoint of one record serves exactly the methods the matrix sends it.
    for name, kind, action, is_api in _record_endpoints():
        if is_api and action in API_ACTIONS:
            served = resolve(reverse(name, kwargs={"id": "00000000-0000-0000-0000-000000000000"})).func.actions  # type: ignore[attr-defined]
            # DRF adds "head" beside "get" at the first request a view serves: not a method of its own.
            assert set(served) - {"head"} == {method for method, _data, _need in _api_methods(kind, action)}, name


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


def expected_for(kind: str, role: str | None, relation: str | None, need: int, *, api: bool = False) -> int:
    """:func:`expected`, with the order rule of matrix_commerce.py for orders."""
    if kind == "order":
        return expected_order(role, need, lambda: expected(role, relation, need, api=api))
    return expected(role, relation, need, api=api)


def expected_setup(role: str | None, need: str) -> int:
    """The sales set-up is read with customer records and changed by administrators only."""
    if expected(role, None, Need.READ) != OK:
        return 403
    return 403 if need == CONFIGURE and role != Role.ADMINISTRATOR else OK


def expected_new(role: str | None, kind: str) -> int:
    """Adding a record; a lead needs an email address or a phone number, restricted values the role must write."""
    policy = POLICIES.get(role) if role else None
    if kind == "order":
        return expected_for(kind, role, None, Need.EDIT)
    if kind == "lead" and (policy is None or policy.edits_up_to is None or policy.edits_up_to < DataClass.RESTRICTED):
        return 403
    return expected(role, None, Need.EDIT)


def shows_on_own_lists(role: str | None, relation: str) -> bool:
    """My day and the calendars list the activities assigned to the user (not all they may read)."""
    return relation == "own" and expected(role, relation, Need.READ) == OK


def expected_export(role: str | None, *, token: bool) -> int:
    """A list as CSV, for a session with a fresh second factor; a token cannot prove one (ADR 0031)."""
    return 403 if token else expected(role, None, Need.READ)


def expected_reveal(role: str | None, relation: str, *, token: bool = False) -> int:
    """A role that reveals restricted values (``reveals_restricted``), then a fresh second factor, then the record."""
    policy = POLICIES.get(role) if role else None
    if policy is None or policy.customer_records == RecordAccess.NONE or not policy.reveals_restricted or token:
        return 403
    return expected(role, relation, Need.READ)


# --- the checks, by kind of endpoint -----------------------------------------------------------------


def _record_url(name: str, action: str, record: Any, world: World) -> str:
    if action == "share-remove":
        return reverse(name, args=[record.pk, world.removable_share[record.pk].pk])
    if name.startswith("api-"):
        return reverse(name, kwargs={"id": str(record.pk)})
    return reverse(name, args=[record.pk])


def _list_url(name: str, world: World) -> str:
    query = {"directory:search": "?q=mx", "directory:company-suggest": "?company_name=mx"}.get(name, "?limit=100")
    return reverse(name) + query


def _record_endpoints() -> list[tuple[str, str, str, bool]]:
    """(url name, kind, action, is_api) of every record endpoint in the URL map."""
    found = []
    for name, _pattern in url_map():
        match = RECORD_NAME.match(name)
        if match and classify(name) == "record":
            found.append((name, _kind(match), match["action"], bool(match["api"])))
        elif name in MULTI_LISTS:
            found.append((name, "", "list", False))
    return found


def _presence(
    label: str, role: str | None, world: World, body: str, kinds: tuple[str, ...], check: Check, skip: str = ""
) -> None:
    """A list (or export) must show exactly the records of ``kinds`` the role may read (but the ``skip`` relation)."""
    for (record_kind, relation), record in world.records.items():
        if record_kind not in kinds or relation == skip:
            continue
        shown = secret(record) in body
        if shown != (expected(role, relation, Need.READ) == OK):
            check.failures.append(f"{label} [{relation}]: {'shows' if shown else 'hides'} the {record_kind}, against the rules")


def _lists(role: str | None, world: World, html: Check, api: Check) -> None:
    for name, kind, action, is_api in _record_endpoints():
        if action not in LIST_ACTIONS:
            continue
        check = api if is_api else html
        url = _list_url(name, world)
        with transaction.atomic():
            response = call(check.client, "get", url, None, is_api)
            transaction.set_rollback(True)
        want = expected(role, None, Need.READ)
        if response.status_code != want:
            check.failures.append(f"{name}: GET {url} should be {want}, got {response.status_code}")
            continue
        if want == OK:
            _presence(name, role, world, response.content.decode(), MULTI_LISTS.get(name, (kind,)), check)


def _related(role: str | None, world: World, html: Check, api: Check) -> None:
    """The lists on one record page: the own lead's possible duplicates (every lead has its email
    address) and the own contact's activity timeline (every activity is about it)."""
    lead, contact = world.records[("lead", "own")], world.records[("contact", "own")]
    for check, name, record, kind in (
        (html, "sales:lead-detail", lead, "lead"), (api, "api-lead-duplicates", lead, "lead"),
        (html, "directory:contact-detail", contact, "activity"),
    ):  # fmt: skip
        with transaction.atomic():
            response = call(check.client, "get", _record_url(name, "detail", record, world), None, check.api)
            transaction.set_rollback(True)
        if response.status_code == expected(role, "own", Need.READ) == OK:  # the lead itself is not its own duplicate
            body, skip = response.content.decode(), "own" if kind == "lead" else ""
            _presence(f"{name} [own]", role, world, body, (kind,), check, skip=skip)


def _creates_and_aggregates(role: str | None, world: World, html: Check, api: Check) -> None:
    for name, kind, action, is_api in _record_endpoints():
        want = expected_for(kind, role, None, Need.EDIT)
        if action in CREATE_ACTIONS:  # an activity's page is opened from the record it is about
            url = reverse(name) + (f"?contact={world.records[('contact', 'own')].pk}" if kind == "activity" else "")
            html.run(name, "get", url, None, want, world.records[(kind, "own")])
        elif action in AGGREGATE_ACTIONS:
            check = api if is_api else html
            check.run(name, "get", reverse(name), None, expected(role, None, Need.READ), world.records[(kind, "own")])
    for kind, data in NEW.items():
        url, own = reverse(f"api-{kind}-list"), world.records[(kind, "own")]
        body = data(world) if callable(data) else data
        api.run(f"api-{kind}-list POST", "post", url, body, expected_new(role, kind), own)


def _an_alert() -> str:
    """The id of a security alert (made once per test) for the alert page."""
    from bastion.kernel.alerts.models import SecurityAlert

    now = timezone.now()
    alert, _made = SecurityAlert.objects.get_or_create(
        id="7c1f6a52-3c1e-4d55-9a3e-2f1b8c7d0e11",
        defaults={"rule": "access_probing", "severity": "medium", "subject_type": "address", "subject_id": "192.0.2.7",
                  "events": 20, "first_sequence": 1, "last_sequence": 2, "first_event_at": now, "last_event_at": now,
                  "raised_at": now},
    )  # fmt: skip
    return str(alert.pk)


def _gated(role: str | None, html: Check, api: Check, world: World) -> None:
    policy = POLICIES.get(role) if role else None
    pages = [(name, allows, argument, html) for name, (allows, argument) in GATED.items()]
    pages += [(name, allows, "", api) for name, allows in API_GATED.items()]
    pages += [(name, allows, argument, api) for name, (allows, argument) in API_GATED_ONE.items()]
    for name, allows, argument, check in pages:
        words = {"member": lambda: world.member.pk, "alert": _an_alert}
        args = [words[argument]()] if argument in words else [argument] if argument else []
        response = check.client.get(reverse(name, args=args))
        allowed = bool(allows(policy))
        if (response.status_code == 200) != allowed or (not allowed and response.status_code not in (403, 404)):
            check.failures.append(f"{name}: {'allowed' if allowed else 'denied'} by the policy, got {response.status_code}")
    posts = [(name, allows, "") for name, allows in API_GATED_POSTS.items()]
    posts += [(name, allows, argument) for name, (allows, argument) in API_GATED_POSTS_ONE.items()]
    for name, allows, argument in posts:
        response = call(api.client, "post", reverse(name, args=[_an_alert()] if argument == "alert" else []), {}, True)
        allowed = bool(allows(policy))
        if response.status_code not in ((400,) if allowed else (401, 403)):
            want = "400" if allowed else "a refusal"
            api.failures.append(f"{name}: {want} expected for an empty body, got {response.status_code}")


def _exports(role: str | None, world: World, html: Check, session: Check, api: Check) -> None:
    for name, kind, action, is_api in _record_endpoints():
        if action not in EXPORT_ACTIONS:
            continue
        for check, token in [(api, True), (session, False)] if is_api else [(html, False)]:
            label, want = f"{name} ({'token' if token else 'session'})", expected_export(role, token=token)
            check.run(label, "get", reverse(name), None, want, world.records[(kind, "own")])
            if want != OK:
                with transaction.atomic():
                    body = body_of(call(check.client, "get", reverse(name), None, check.api))
                    transaction.set_rollback(True)
                if any(secret(record) in body for record in world.records.values()):
                    check.failures.append(f"{label}: the refusal holds a record's name")
                continue
            with transaction.atomic():
                body = body_of(call(check.client, "get", reverse(name), None, check.api))
                transaction.set_rollback(True)
            _presence(label, role, world, body, (kind,), check)


def _revealed_value(world: World, kind: str, record: Any) -> str:
    return world.national_ids[record.pk] if kind == "contact" else str(type(record).objects.get(pk=record.pk).email)


def _reveals(role: str | None, world: World, html: Check, session: Check, api: Check) -> None:
    for name, kind, action, is_api in _record_endpoints():
        if action not in REVEAL_ACTIONS:
            continue
        field = REVEALED_FIELD[kind]
        for relation in RELATIONS:
            record = world.records[(kind, relation)]
            value, want, label = _revealed_value(world, kind, record), expected_reveal(role, relation), f"{name} [{relation}]"
            if not is_api:
                url = reverse(name, args=[record.pk, field])
                html.run(label, "get", url, None, want, record, hidden=[value])
                html.run(label, "post", url, {"reason": REASON}, want, record, hidden=[value], shows=value)
                continue
            url, data = reverse(name, kwargs={"id": str(record.pk)}), {"field": field, "reason": REASON}
            session.run(f"{label} (session)", "post", url, data, want, record, hidden=[value], shows=value)
            token_want = expected_reveal(role, relation, token=True)
            api.run(f"{label} (token)", "post", url, data, token_want, record, hidden=[value])


def _clients(me: Any) -> tuple[Client, APIClient, APIClient]:
    """A signed-in browser, an API client with the same session, and one with a bearer token."""
    enrol_totp(me)
    html = Client()
    html.force_login(me)
    session = APIClient()
    session.cookies = html.cookies  # the very same session: its second factor is confirmed once, later
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(me, name='matrix', days=1).plaintext}")
    return html, session, api


@pytest.mark.parametrize("role", ROLES, ids=[role or "outsider" for role in ROLES])
def test_role_against_every_endpoint_and_record(role: str | None) -> None:
    world = build_world(role)
    html_client, session_client, api_client = _clients(world.me)
    failures: list[str] = []
    html, api = Check(html_client, False, failures), Check(api_client, True, failures)
    session = Check(session_client, True, failures)
    # A fresh second factor, for the exports (of the audit trail, the access review, the lists) and
    # reveals; taken first, so a role-gated export is judged on the role alone (step-up itself is
    # tested in bastion/accounts/tests/test_stepup.py and test_staff_admin.py).
    step_up(html_client, world.me)
    _gated(role, html, api, world)
    _lists(role, world, html, api)
    _creates_and_aggregates(role, world, html, api)
    _related(role, world, html, api)
    check_setup(world, html, api, lambda need: expected_setup(role, need))
    check_products(world, html, api, lambda need: expected_setup(role, need))
    check_lifetime_value(world, api, lambda relation: expected(role, relation, Need.READ), RELATIONS)
    check_engagement(world, api, lambda relation, need: expected(role, relation, need), RELATIONS)
    check_own_lists(world, html, api, expected(role, None, Need.READ), lambda relation: shows_on_own_lists(role, relation))
    # Exports and reveals come before the destructive checks: erasing shreds the contact's key in
    # the key store, which the savepoint of the main database cannot undo.
    _exports(role, world, html, session, api)
    check_product_exports(world, html, session, api, lambda token: expected_export(role, token=token))
    _reveals(role, world, html, session, api)
    endpoints = sorted(
        (e for e in _record_endpoints() if e[2] in (API_ACTIONS if e[3] else HTML_ACTIONS)), key=lambda e: ORDER.index(e[2])
    )
    for relation in RELATIONS:
        for name, kind, action, is_api in endpoints:
            record = world.records[(kind, relation)]
            url = _record_url(name, action, record, world)
            for method, data, need in _api_methods(kind, action) if is_api else HTML_ACTIONS[action]:
                body = api_data(kind, data, world, record) if is_api else (html_data(kind, data, record, world) if data else None)
                (api if is_api else html).run(
                    f"{name} [{relation}]", method, url, body, expected_for(kind, role, relation, need, api=is_api), record
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
    # Deals are owned records like companies and contacts: the oracle assumes this rule.
    rule = Deal.record_access
    assert isinstance(rule, Owned) and (rule.owner, rule.team) == ("owner", "team")
    assert expected(Role.MARKETER, "same_team", Need.EDIT) == OK and expected(Role.READ_ONLY, "shared", Need.READ) == OK
    assert expected(Role.SALES_REP, "shared", Need.EDIT) == 404 and expected(Role.ADMINISTRATOR, "other_team", Need.EDIT) == OK
    # The set-up: read by readers, changed by administrators; exports: sessions only.
    assert expected_setup(Role.READ_ONLY, READ) == OK and expected_setup(Role.SALES_MANAGER, CONFIGURE) == 403
    assert expected_setup(Role.EXECUTIVE, READ) == 403 and expected_setup(Role.ADMINISTRATOR, CONFIGURE) == OK
    assert expected_export(Role.MARKETER, token=False) == OK and expected_export(Role.ADMINISTRATOR, token=True) == 403
    assert expected_export(Role.SECURITY_OFFICER, token=False) == 403
    # Reveals: the role's duty first (whatever the record), then the record; never with a token.
    assert expected_reveal(Role.SALES_REP, "own") == OK and expected_reveal(Role.SALES_REP, "other_team") == 404
    assert expected_reveal(Role.SALES_REP, "shared") == OK and expected_reveal(Role.ADMINISTRATOR, "other_team") == OK
    assert expected_reveal(Role.MARKETER, "own") == 403 and expected_reveal(Role.READ_ONLY, "own") == 403
    assert expected_reveal(Role.MARKETING_MANAGER, "other_team") == 403 and expected_reveal(None, "own") == 403
    assert expected_reveal(Role.SERVICE_AGENT, "own", token=True) == 403
    # Leads are owned like deals; an activity's owner is its assignee. Converting a lead is an edit.
    assert (Lead.record_access.owner, Activity.record_access.owner, Activity.record_access.team) == ("owner", "assignee", "team")
    assert isinstance(Lead.record_access, Owned) and isinstance(Activity.record_access, Owned)
    assert expected(Role.SALES_REP, "same_team", Need.EDIT) == OK and expected(Role.READ_ONLY, "own", Need.EDIT) == 403
    assert expected(Role.SALES_REP, "shared", Need.EDIT) == 404 and expected(Role.SALES_MANAGER, "managed", Need.EDIT) == OK
    # A colleague's activity on my own contact: my team's shows on its timeline, another team's does not.
    assert expected(Role.SALES_REP, "same_team", Need.READ) == OK and expected(Role.SERVICE_AGENT, "other_team", Need.READ) == 404
    # My day and the calendars: only what is assigned to me, whatever else I may read.
    assert shows_on_own_lists(Role.SALES_REP, "own") and not shows_on_own_lists(Role.SALES_MANAGER, "managed")
    assert not shows_on_own_lists(Role.ADMINISTRATOR, "other_team") and not shows_on_own_lists(Role.SECURITY_OFFICER, "own")
    assert shows_on_own_lists(Role.READ_ONLY, "own") and not shows_on_own_lists(None, "own")
    assert expected_new(Role.MARKETER, "lead") == 403 and expected_new(Role.MARKETER, "contact") == OK
    assert expected_new(Role.SALES_REP, "lead") == OK and expected_new(Role.READ_ONLY, "lead") == 403
    # Lead routing is set-up: administrators only, like pipelines.
    assert SETUP["sales:lead-routing"][0][3] == CONFIGURE and expected_setup(Role.SALES_MANAGER, CONFIGURE) == 403
    # Orders are owned like deals; marketing roles read them but never take them (ADR 0040).
    assert (
        expected_for("order", Role.MARKETER, "own", Need.READ) == OK
        and expected_for("order", Role.MARKETER, "own", Need.EDIT) == 403
    )
    assert expected_for("order", Role.SALES_REP, "same_team", Need.EDIT) == OK and expected_new(Role.MARKETER, "order") == 403
    assert expected_for("order", Role.SALES_REP, "other_team", Need.EDIT) == 404 and LIFETIME_VALUE.startswith("api-order-")

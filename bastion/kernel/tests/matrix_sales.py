"""Sales tables and checks of the access matrix (test_record_matrix.py): the sales set-up, and the
lists of the user's own activities. The expected answers come from the oracle in the test module.

- The sales set-up (pipelines, stages, exchange rates, lead scoring, lead routing and territories,
  the lifecycle policy), on the pages and over the API, is the organisation's vocabulary: read by
  every role that reads customer records, changed by administrators only; an allowed change must
  change the set-up, a denied one must change nothing.
- "My day", the calendar download and the API calendar list the user's *own* activities: the
  tasks and meetings assigned to them (``selectors_activities.my_day`` / ``calendar_items``:
  "the signed-in user's open tasks ...", "the user's meetings and dated tasks"), not every
  activity they may read; a colleague's task stays off them even where its reader may open it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.urls import reverse

from bastion.kernel.tests.matrix_world import ALLOWED_STATUS, OK, Check, World, body_of, call, secret, setup_state
from bastion.sales.tests.factories import stage_named

# The sales set-up: url name -> [(method, argument, data, need)]; READ: every customer-data
# role, CONFIGURE: administrators. Arguments: the default pipeline (with every deal), a spare
# pipeline without deals, one of its stages, one it can lose, an unused exchange rate, a new one.
READ, CONFIGURE = "read", "configure"
NEW_STAGE = {"name": "Mx stage", "probability": 20, "kind": "open"}
RULE = {"name": "Mx new rule", "category": "fit", "field": "company_name", "operator": "is_set", "value": "", "points": "5",
        "is_active": "on"}  # fmt: skip
SETUP: dict[str, list[tuple[str, str, Any, str]]] = {
    "sales:setup": [("get", "", None, READ)],
    "sales:pipeline-create": [("get", "", None, CONFIGURE), ("post", "", {"name": "Mx new pipeline"}, CONFIGURE)],
    "sales:pipeline-edit": [
        ("get", "pipeline", None, CONFIGURE), ("post", "pipeline", {"name": "Mx renamed", "is_default": "on"}, CONFIGURE),
    ],
    "sales:pipeline-delete": [("post", "spare", {}, CONFIGURE)],
    "sales:stage-create": [("get", "spare", None, CONFIGURE), ("post", "spare", NEW_STAGE, CONFIGURE)],
    "sales:stage-edit": [("get", "stage", None, CONFIGURE), ("post", "stage", {**NEW_STAGE, "probability": 30}, CONFIGURE)],
    "sales:stage-delete": [("post", "lone-stage", {}, CONFIGURE)],
    "sales:rate-set": [("post", "", {"currency": "GBP", "rate": "1.25"}, CONFIGURE)],
    "sales:rate-delete": [("post", "rate", {}, CONFIGURE)],
    # Web-form leads go to a team (ADR 0039): POST only, the receiving team's id.
    "sales:lead-routing": [("post", "", lambda world: {"team": str(world.delta.pk)}, CONFIGURE)],
    # Territories of the receiving team (ADR 0045): POST only.
    "sales:territory-create": [("post", "", lambda world: {"country": "Mx other", "owner": str(world.receiver.pk)}, CONFIGURE)],
    "sales:territory-delete": [("post", "territory", {}, CONFIGURE)],
    # The lifecycle policy (ADR 0044): POST only.
    "sales:lifecycle-policy": [("post", "", {"qualifying_score": "40", "churn_after_days": "90"}, CONFIGURE)],
    # Lead-scoring rules (ADR 0041).
    "sales:rule-create": [("get", "", None, CONFIGURE), ("post", "", RULE, CONFIGURE)],
    "sales:rule-edit": [("get", "rule", None, CONFIGURE), ("post", "rule", {**RULE, "points": "7"}, CONFIGURE)],
    "sales:rule-delete": [("post", "rule", {}, CONFIGURE)],
    "api-pipeline-list": [("get", "", None, READ), ("post", "", {"name": "Mx new pipeline"}, CONFIGURE)],
    "api-pipeline-detail": [
        ("get", "pipeline", None, READ), ("patch", "pipeline", {"name": "Mx renamed"}, CONFIGURE),
        ("delete", "spare", None, CONFIGURE),
    ],
    "api-stage-list": [("post", "", lambda world: {**NEW_STAGE, "pipeline": str(world.spare.pk)}, CONFIGURE)],
    "api-stage-detail": [("patch", "stage", {"probability": 30}, CONFIGURE), ("delete", "lone-stage", None, CONFIGURE)],
    "api-rate-list": [("get", "", None, READ)],
    "api-rate-detail": [("put", "new-rate", {"rate": "1.25"}, CONFIGURE), ("delete", "rate", None, CONFIGURE)],
    # The lead set-up over the API (sales/api_setup.py): the same reads and actions as the pages above.
    "api-scoring-rule-list": [("get", "", None, READ), ("post", "", {**RULE, "is_active": True}, CONFIGURE)],
    "api-scoring-rule-detail": [
        ("get", "rule", None, READ), ("patch", "rule", {"points": 7}, CONFIGURE), ("delete", "rule", None, CONFIGURE),
    ],
    "api-lead-routing": [("get", "", None, READ), ("put", "", lambda world: {"team": str(world.delta.pk)}, CONFIGURE)],
    "api-territory-rule-list": [
        ("get", "", None, READ), ("post", "", lambda world: {"country": "Mx other", "owner": world.receiver.pk}, CONFIGURE),
    ],
    "api-territory-rule-detail": [("delete", "territory", None, CONFIGURE)],
    "api-lifecycle-policy": [
        ("get", "", None, READ), ("put", "", {"qualifying_score": 40, "churn_after_days": 90}, CONFIGURE),
    ],
}  # fmt: skip
# Lists of the user's own activities (see the module's docstring): url name -> is it the API.
OWN_LISTS = {"sales:my-day": False, "sales:calendar-download": False, "api-activity-calendar": True}


def _setup_url(name: str, argument: str, world: World) -> str:
    value = {
        "pipeline": world.pipeline.pk, "spare": world.spare.pk, "stage": stage_named(world.spare, "New").pk,
        "lone-stage": stage_named(world.spare, "Lost").pk, "rate": world.rate, "new-rate": "GBP", "rule": world.rule.pk,
        "territory": world.territory.pk,
    }.get(argument)  # fmt: skip
    if value is None:
        return reverse(name)
    if name.startswith("api-"):
        return reverse(name, kwargs={"currency" if "rate" in argument else "id": str(value)})
    return reverse(name, args=[value])


def check_setup(world: World, html: Check, api: Check, want_for: Callable[[str], int]) -> None:
    """Every set-up endpoint, judged against ``want_for(need)``: allowed changes change, denied ones do not."""
    for name, calls in SETUP.items():
        check = api if name.startswith("api-") else html
        for method, argument, data, need in calls:
            url, want = _setup_url(name, argument, world), want_for(need)
            with transaction.atomic():
                before = setup_state()
                response = call(check.client, method, url, data(world) if callable(data) else data, check.api)
                after = setup_state()
                transaction.set_rollback(True)
            label, status = f"{name}: {method.upper()} {url}", response.status_code
            if want == OK and status not in ALLOWED_STATUS[method]:
                check.failures.append(f"{label} allowed by the policy, got {status}")
            elif want == OK and method != "get" and before == after:
                check.failures.append(f"{label} allowed by the policy, answered {status} but changed nothing")
            elif want != OK and (status != want or before != after):
                check.failures.append(f"{label} should be {want} and change nothing, got {status}, changed: {before != after}")


def check_own_lists(world: World, html: Check, api: Check, want: int, shows: Callable[[str], bool]) -> None:
    """My day and the calendars: ``want``, and when allowed exactly the activities ``shows(relation)`` names."""
    for name, is_api in OWN_LISTS.items():
        check = api if is_api else html
        with transaction.atomic():
            response = call(check.client, "get", reverse(name), None, is_api)
            body = body_of(response)
            transaction.set_rollback(True)
        if response.status_code != want:
            check.failures.append(f"{name}: GET should be {want}, got {response.status_code}")
        for (kind, relation), record in world.records.items():
            shown = kind == "activity" and secret(record) in body
            if kind == "activity" and shown != (want == OK and shows(relation)):
                check.failures.append(f"{name} [{relation}]: {'shows' if shown else 'hides'} the activity, against the rules")

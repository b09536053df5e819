"""The API's "change owner" and "tags" of chosen records: each record through its update (audited),
only those the user may change; an id the user cannot see is refused exactly as one that does not
exist; bad input is a 400 naming the field and changes nothing; other roles and scopes are refused."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone

from bastion.accounts import sharing
from bastion.directory import actions as directory
from bastion.directory.models import Company
from bastion.kernel.audit.models import AuditEvent
from bastion.sales.tests.test_change_owner import KINDS, owner
from bastion.sales.tests.test_tag_chosen import tags_of

pytestmark = pytest.mark.django_db

UNSEEN = "No such record, or you may not see it."


def changes(target_type: str, field: str) -> int:
    return AuditEvent.objects.filter(target_type=target_type, changes__has_key=field).count()


@pytest.mark.parametrize("kind", KINDS)
def test_change_owner_moves_what_the_user_may_change_and_refuses_the_rest_alike(
    kind: str, personas: Any, api_as: Any, stages: Any
) -> None:
    _list, target_type, make = KINDS[kind]
    east, west, manager = personas.rep_east, personas.rep_west, personas.sales_manager
    mine, theirs = make(east, "Ada Fleetwood"), make(west, "Cyd Westerly")
    missing = uuid.uuid4()
    before = changes(target_type, "owner")
    response = api_as(east).post(
        f"/api/v1/{kind}/change-owner/",
        {"records": [str(mine.pk), str(theirs.pk), str(missing)], "owner": manager.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    refused = [{"id": str(theirs.pk), "reason": UNSEEN}, {"id": str(missing), "reason": UNSEEN}]  # alike: no oracle
    assert body == {"changed": 1, "unchanged": 0, "refused": refused}
    assert owner(mine) == manager.pk and owner(theirs) == west.pk
    assert changes(target_type, "owner") == before + 1


def test_a_record_shared_read_only_is_refused_with_the_reason(personas: Any, api_as: Any) -> None:
    east, west = personas.rep_east, personas.rep_west
    cirrus = directory.create_company(west, {"name": "Cirrus Labs", "tags": "Cold"})
    until = timezone.localdate() + dt.timedelta(days=7)
    sharing.share_record(west, Company, cirrus.pk, user=east.pk, level="read", expires_on=until)
    api = api_as(east)
    moved = api.post("/api/v1/companies/change-owner/", {"records": [str(cirrus.pk)], "owner": east.pk}, format="json").json()
    tagged = api.post("/api/v1/companies/tags/", {"records": [str(cirrus.pk)], "add": ["Partner"]}, format="json").json()
    for body in (moved, tagged):
        assert body["changed"] == 0 and [entry["id"] for entry in body["refused"]] == [str(cirrus.pk)]
        assert body["refused"][0]["reason"] and body["refused"][0]["reason"] != UNSEEN
    assert owner(cirrus) == west.pk and tags_of(cirrus) == ["Cold"]


def test_tags_are_added_and_taken_off(personas: Any, api_as: Any) -> None:
    east = personas.rep_east
    aurora = directory.create_company(east, {"name": "Aurora Robotics", "tags": "Cold, Prospect"})
    borealis = directory.create_company(east, {"name": "Borealis Foods", "tags": "VIP, Partner"})
    before = changes("directory.company", "tags")
    api = api_as(east)
    body = {"records": [str(aurora.pk), str(borealis.pk)], "add": ["vip", "Partner"], "remove": ["cold"]}
    response = api.post("/api/v1/companies/tags/", body, format="json")
    assert response.status_code == 200 and response.json() == {"changed": 1, "unchanged": 1, "refused": []}
    # "vip" is the tag VIP already in use, as spelt there
    assert tags_of(aurora) == ["Partner", "Prospect", "VIP"] and tags_of(borealis) == ["Partner", "VIP"]
    assert changes("directory.company", "tags") == before + 1
    ada = directory.create_contact(east, {"given_name": "Ada", "family_name": "Tagged"})
    done = api.post("/api/v1/contacts/tags/", {"records": [str(ada.pk)], "add": ["Newsletter"]}, format="json")
    assert done.json()["changed"] == 1 and tags_of(ada) == ["Newsletter"]


def test_bad_input_is_named_and_changes_nothing(personas: Any, api_as: Any, stages: Any) -> None:
    east = personas.rep_east
    aurora = directory.create_company(east, {"name": "Aurora Robotics", "tags": "Cold"})
    chosen = {"records": [str(aurora.pk)]}
    before = AuditEvent.objects.filter(target_type="directory.company").count()
    api = api_as(east)
    cases = [
        ("change-owner", {**chosen, "owner": personas.auditor.pk}, "owner"),  # a role that cannot own records
        ("change-owner", {"records": [], "owner": east.pk}, "records"),
        ("change-owner", {"records": ["not-an-id"], "owner": east.pk}, "records"),
        ("change-owner", {"records": [str(uuid.uuid4())] * 501, "owner": east.pk}, "records"),
        ("change-owner", chosen, "owner"),
        ("tags", {**chosen, "add": ["Cold"], "remove": ["cold"]}, "add"),
        ("tags", chosen, "add"),
        ("tags", {**chosen, "add": ["x" * 60]}, "add"),
        ("tags", {**chosen, "remove": "Cold"}, "remove"),
    ]
    for action, data, field in cases:
        response = api.post(f"/api/v1/companies/{action}/", data, format="json")
        assert response.status_code == 400, (action, data)
        assert field in response.json()["fields"], (action, data, response.json())
    assert owner(aurora) == east.pk and tags_of(aurora) == ["Cold"]
    assert AuditEvent.objects.filter(target_type="directory.company").count() == before


def test_other_roles_and_scopes_are_refused_and_change_nothing(personas: Any, api_as: Any, stages: Any) -> None:
    east = personas.rep_east
    aurora = directory.create_company(east, {"name": "Aurora Robotics", "tags": "Cold"})
    chosen = {"records": [str(aurora.pk)], "owner": personas.sales_manager.pk, "add": ["Partner"]}
    before = AuditEvent.objects.filter(target_type="directory.company").count()
    refusals = [
        (api_as(personas.auditor), "change-owner"),
        (api_as(personas.auditor), "tags"),
        (api_as(personas.outsider), "change-owner"),
        (api_as(east, scopes=["company:read"]), "change-owner"),
        (api_as(east, scopes=["deal:write"]), "tags"),
    ]
    for api, action in refusals:
        response = api.post(f"/api/v1/companies/{action}/", chosen, format="json")
        assert response.status_code == 403, action
        assert set(response.json()) >= {"detail"} and str(aurora.pk) not in response.content.decode()
    assert owner(aurora) == east.pk and tags_of(aurora) == ["Cold"]
    assert AuditEvent.objects.filter(target_type="directory.company").count() == before
    deals_only = api_as(east, scopes=["deal:write"])
    assert deals_only.post("/api/v1/deals/change-owner/", {"records": [], "owner": east.pk}, format="json").status_code == 400
    assert api_as(east).post("/api/v1/leads/tags/", chosen, format="json").status_code in (404, 405)


def test_a_record_already_the_new_owners_is_counted_unchanged_and_not_written(personas: Any, api_as: Any, stages: Any) -> None:
    east, manager = personas.rep_east, personas.sales_manager
    aurora = directory.create_company(east, {"name": "Aurora Robotics"})
    borealis = directory.create_company(east, {"name": "Borealis Foods"})
    directory.update_company(east, borealis.pk, {"owner": manager.pk})
    before = changes("directory.company", "owner")
    body = {"records": [str(aurora.pk), str(borealis.pk)], "owner": manager.pk}
    response = api_as(east).post("/api/v1/companies/change-owner/", body, format="json")
    assert response.json() == {"changed": 1, "unchanged": 1, "refused": []}
    assert owner(aurora) == owner(borealis) == manager.pk
    assert changes("directory.company", "owner") == before + 1

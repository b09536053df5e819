"""A company or contact list's "Tag the chosen": tags added to and taken off the chosen records,
each through its update (audited), keeping tags added meanwhile; a record the user may only read,
or that would carry too many tags, keeps its tags and is reported."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bastion.accounts import sharing
from bastion.directory import actions as directory
from bastion.directory.models import Company
from bastion.directory.validation import MAX_TAGS
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def tags_of(record: Any) -> list[str]:
    return sorted(type(record)._base_manager.get(pk=record.pk).tags.values_list("name", flat=True))


def tag_events(target_type: str) -> int:
    return AuditEvent.objects.filter(target_type=target_type, changes__has_key="tags").count()


@pytest.fixture
def companies(personas: Any) -> dict[str, Any]:
    east, west = personas.rep_east, personas.rep_west
    return {
        "aurora": directory.create_company(east, {"name": "Aurora Robotics", "tags": "Cold, Prospect"}),
        "borealis": directory.create_company(east, {"name": "Borealis Foods", "tags": "VIP"}),
        "cirrus": directory.create_company(west, {"name": "Cirrus Labs", "tags": "Cold"}),
    }


def test_the_lists_offer_it_and_the_page_shows_the_chosen_records_and_their_tags(
    personas: Any, signed_in: Any, companies: dict[str, Any]
) -> None:
    directory.create_contact(personas.rep_east, {"given_name": "Ada", "family_name": "Listed"})
    client = signed_in(personas.rep_east)
    for list_page, kind in [("directory:company-list", "companies"), ("directory:contact-list", "contacts")]:
        listed = client.get(reverse(list_page)).content.decode()
        assert f'formaction="{reverse("sales:tag-chosen", args=[kind])}"' in listed
    for list_page in ("sales:lead-list", "sales:deal-list"):
        assert 'data-testid="tag-chosen"' not in client.get(reverse(list_page)).content.decode()
    chosen = [str(record.pk) for record in companies.values()]
    page = client.get(reverse("sales:tag-chosen", args=["companies"]), {"record": chosen}).content.decode()
    assert "Tag 2 companies" in page and "Aurora Robotics" in page and "Cirrus" not in page
    assert 'name="remove" value="Cold"' in page and 'name="remove" value="VIP"' in page and 'value="Prospect"' in page
    assert client.get(reverse("sales:tag-chosen", args=["deals"])).status_code == 404


def test_tags_are_added_and_taken_off_each_change_audited(personas: Any, signed_in: Any, companies: dict[str, Any]) -> None:
    east = personas.rep_east
    client = signed_in(east)
    chosen = [str(companies[name].pk) for name in ("aurora", "borealis", "cirrus")]
    directory.update_company(east, companies["aurora"].pk, {"tags": "Cold, Prospect, Key account"})  # meanwhile
    before = tag_events("directory.company")
    url = reverse("sales:tag-chosen", args=["companies"])
    done = client.post(url, {"record": chosen, "add": "vip, Partner", "remove": ["Cold"], "next": "/companies/?q=a"}, follow=True)
    assert done.redirect_chain == [("/companies/?q=a", 302)]
    assert tags_of(companies["aurora"]) == ["Key account", "Partner", "Prospect", "VIP"]  # tags ignore case
    assert tags_of(companies["borealis"]) == ["Partner", "VIP"]  # "vip" is the VIP it has
    assert tags_of(companies["cirrus"]) == ["Cold"]  # not theirs to see
    assert tag_events("directory.company") == before + 2
    assert "The tags of 2 records changed." in done.content.decode()

    again = client.post(url, {"record": chosen[:2], "add": "Partner"}, follow=True).content.decode()
    assert "The tags of 0 records changed." in again and "2 records already had these tags" in again
    assert tag_events("directory.company") == before + 2


def test_a_record_the_user_may_only_read_or_that_would_have_too_many_tags_keeps_its_tags(
    personas: Any, signed_in: Any, companies: dict[str, Any]
) -> None:
    east, west = personas.rep_east, personas.rep_west
    sharing.share_record(
        west, Company, companies["cirrus"].pk, user=east.pk, level="read", expires_on=timezone.localdate() + dt.timedelta(days=7)
    )
    full = [f"Tag {number}" for number in range(MAX_TAGS)]
    crowded = directory.create_contact(east, {"given_name": "Ada", "family_name": "Crowded", "tags": full})
    roomy = directory.create_contact(east, {"given_name": "Bea", "family_name": "Roomy"})
    client = signed_in(east)
    shared = client.post(
        reverse("sales:tag-chosen", args=["companies"]), {"record": [str(companies["cirrus"].pk)], "add": "Partner"}, follow=True
    ).content.decode()
    named = f"1 record kept its tags, for example “{companies['cirrus'].name}”:"  # named, not by its id
    assert named in shared and tags_of(companies["cirrus"]) == ["Cold"]
    contacts = [str(crowded.pk), str(roomy.pk)]
    body = client.post(reverse("sales:tag-chosen", args=["contacts"]), {"record": contacts, "add": "Partner"}, follow=True)
    told = body.content.decode()
    assert "The tags of 1 record changed." in told and "1 record kept its tags, for example “Ada Crowded”:" in told
    assert tags_of(crowded) == sorted(full) and tags_of(roomy) == ["Partner"]


def test_bad_input_and_other_roles_change_nothing(personas: Any, signed_in: Any, companies: dict[str, Any]) -> None:
    before = AuditEvent.objects.filter(target_type="directory.company").count()
    url = reverse("sales:tag-chosen", args=["companies"])
    chosen = {"record": [str(companies["aurora"].pk)]}
    client = signed_in(personas.rep_east)
    both = client.post(url, {**chosen, "add": "Cold", "remove": ["Cold"]})
    assert both.status_code == 400 and "“Cold” cannot be both added and taken off." in both.content.decode()
    empty = client.post(url, {**chosen, "add": " , "})
    assert empty.status_code == 400 and "Name at least one tag to add or to take off." in empty.content.decode()
    not_carried = client.post(url, {**chosen, "add": "", "remove": ["VIP"]})
    assert not_carried.status_code == 400 and "Select a valid choice" in not_carried.content.decode()
    too_long = client.post(url, {**chosen, "add": "x" * 60})
    assert too_long.status_code == 400 and "A tag can be at most" in too_long.content.decode()
    auditor = signed_in(personas.auditor).post(url, {**chosen, "add": "Partner"})
    assert auditor.status_code == 403
    assert tags_of(companies["aurora"]) == ["Cold", "Prospect"]
    assert AuditEvent.objects.filter(target_type="directory.company").count() == before


def test_a_post_that_only_takes_tags_off_is_checked_and_done(personas: Any, signed_in: Any, companies: dict[str, Any]) -> None:
    # A client that sends no "add" at all still has its form checked (only the list's own post, with
    # "choosing", merely asks).
    url = reverse("sales:tag-chosen", args=["companies"])
    client = signed_in(personas.rep_east)
    asked = client.post(url, {"record": [str(companies["aurora"].pk)], "remove": ["Cold"], "choosing": "1"})
    assert (
        asked.status_code == 200
        and 'role="alert"' not in asked.content.decode()
        and tags_of(companies["aurora"]) == ["Cold", "Prospect"]
    )
    done = client.post(url, {"record": [str(companies["aurora"].pk)], "remove": ["Cold"]})
    assert done.status_code == 302 and tags_of(companies["aurora"]) == ["Prospect"]
    page = client.post(url, {"record": [str(companies["aurora"].pk)], "choosing": "1"}).content.decode()
    assert "<legend>Tags to take off</legend>" in page and 'for="id_remove_0"' in page

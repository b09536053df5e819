"""The sharing pages of a record and the administrators' record-access defaults page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bastion.accounts.access_settings import record_visibilities
from bastion.accounts.models import RecordAccessDefault, RecordShare, Team
from bastion.accounts.testing import step_up
from bastion.directory import actions
from bastion.directory.models import Contact
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def erin(personas: Any) -> Contact:
    return actions.create_contact(personas.rep_east, {"given_name": "Erin", "family_name": "Eastwood"})


def share_form(grantee: str, level: str = "read", days: int = 14) -> dict[str, str]:
    return {"grantee": grantee, "level": level, "expires_on": (timezone.localdate() + dt.timedelta(days=days)).isoformat()}


def test_the_owner_shares_a_contact_with_a_colleague_and_removes_the_share(personas: Any, signed_in: Any, erin: Contact) -> None:
    owner, west = signed_in(personas.rep_east), signed_in(personas.rep_west)
    detail = reverse("directory:contact-detail", args=[erin.pk])
    page = reverse("directory:contact-sharing", args=[erin.pk])
    assert page in owner.get(detail).content.decode()  # the Sharing tab
    assert "not shared with anyone" in owner.get(page).content.decode()
    assert west.get(detail).status_code == 404
    response = owner.post(page, share_form(f"user:{personas.rep_west.pk}"))
    assert response.status_code == 302
    assert "Eastwood" in west.get(detail).content.decode()
    share = RecordShare.objects.get()
    remove = reverse("directory:contact-share-remove", args=[erin.pk, share.pk])
    confirm = owner.get(remove).content.decode()  # without JS: a confirmation page
    assert "Remove this share" in confirm and 'name="confirmed" value="yes"' in confirm
    owner.post(remove, {})  # not confirmed: nothing happens
    assert RecordShare.objects.exists()
    assert owner.post(remove, {"confirmed": "yes"}).status_code == 302
    assert not RecordShare.objects.exists() and west.get(detail).status_code == 404


def test_a_team_share_for_edit_and_the_form_errors(personas: Any, signed_in: Any, erin: Contact) -> None:
    manager = signed_in(personas.sales_manager)
    page = reverse("directory:contact-sharing", args=[erin.pk])
    bad = manager.post(page, {"grantee": "", "level": "read", "expires_on": timezone.localdate().isoformat()})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "The record was not shared" in body and "The end date must be after today." not in body  # form first
    bad = manager.post(page, share_form(f"team:{Team.objects.get(name='Service').pk}", days=0))
    assert bad.status_code == 400 and "The end date must be after today." in bad.content.decode()
    assert not RecordShare.objects.exists()
    service = Team.objects.get(name="Service")
    assert manager.post(page, share_form(f"team:{service.pk}", "edit")).status_code == 302
    agent = signed_in(personas.service_agent)
    assert agent.get(reverse("directory:contact-edit", args=[erin.pk])).status_code == 200
    listing = manager.get(page).content.decode()
    assert "Team Service" in listing and "read and edit" in listing


def test_sharing_pages_are_404_for_those_who_do_not_manage_the_record(personas: Any, signed_in: Any, erin: Contact) -> None:
    share = RecordShare.objects.create(
        object_type="directory.contact", object_id=erin.pk, user=personas.rep_west, level="edit",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    page = reverse("directory:contact-sharing", args=[erin.pk])
    remove = reverse("directory:contact-share-remove", args=[erin.pk, share.pk])
    events = AuditEvent.objects.filter(kind__in=(330, 331)).count()
    for who in ("rep_west", "marketer"):  # an edit share does not let the grantee re-share
        client = signed_in(getattr(personas, who))
        for url in (page, remove):
            assert client.get(url).status_code == 404, (who, url)
            response = client.post(url, {**share_form(f"user:{personas.marketer.pk}"), "confirmed": "yes"})
            assert response.status_code == 404 and "Eastwood" not in response.content.decode()
    assert RecordShare.objects.get() == share and AuditEvent.objects.filter(kind__in=(330, 331)).count() == events
    assert signed_in(personas.auditor).get(page).status_code == 403


def test_record_defaults_page_is_for_administrators(personas: Any, signed_in: Any) -> None:
    url = reverse("accounts:record-defaults")
    for who in ("sales_manager", "auditor", "rep_east"):
        client = signed_in(getattr(personas, who))
        assert client.get(url).status_code == 403
        assert client.post(url, {"directory.contact": "public"}).status_code == 403
    assert not RecordAccessDefault.objects.exists()
    admin = signed_in(personas.admin)
    step_up(admin, personas.admin)  # changing a security setting needs a fresh second factor
    page = admin.get(url).content.decode()
    assert "Contacts" in page and "Companies" in page and "Everyone can read" in page
    every_type = {row.object_type: "team" for row in record_visibilities()}
    assert {"directory.contact", "directory.company", "sales.deal"} <= set(every_type)
    assert admin.post(url, {**every_type, "directory.contact": "nonsense"}).status_code == 400
    response = admin.post(url, {**every_type, "directory.contact": "private"})
    assert response.status_code == 302
    assert RecordAccessDefault.objects.get().visibility == "private"
    event = AuditEvent.objects.get(kind=510)
    assert event.changes == {"visibility": {"old": "team", "new": "private"}} and event.actor_id == personas.admin.pk

"""Record-level access (ADR 0027): owner, team, organisation default, manager chain, shares, expiry.

The rules are checked through the scoped querysets every read uses, on real companies and
contacts created by the actions; one test checks that the whole rule is one SQL query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bastion.accounts import access_settings, sharing
from bastion.accounts.models import RecordShare, Team
from bastion.directory import actions
from bastion.directory.models import Company, Contact, ContactEmail, Tag
from bastion.kernel.access.records import Owned, Visibility, object_type, owned_models, rule_of
from bastion.kernel.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def east_contact(personas: Any) -> Contact:
    data = {"given_name": "Erin", "family_name": "East", "emails": ["erin@east.example"]}
    return actions.create_contact(personas.rep_east, data)


def sees(user: Any, record: Any) -> bool:
    return type(record).objects.visible_to(user).filter(pk=record.pk).exists()


def edits(user: Any, record: Any) -> bool:
    return type(record).objects.editable_by(user).filter(pk=record.pk).exists()


def tomorrow(days: int = 1) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def test_a_new_record_belongs_to_its_creator_and_the_creators_team(personas: Any, east_contact: Contact) -> None:
    assert east_contact.owner == personas.rep_east and east_contact.team == Team.objects.get(name="Sales East")


def test_default_team_visibility(personas: Any, east_contact: Contact) -> None:
    who_sees = {name for name, user in personas.all().items() if sees(user, east_contact)}
    assert who_sees == {"admin", "rep_east", "sales_manager"}
    assert {name for name, user in personas.all().items() if edits(user, east_contact)} == who_sees


def test_a_team_mate_sees_and_edits_unless_the_type_is_private(personas: Any, east_contact: Contact) -> None:
    mate = _user_in("mate", "sales_rep", "Sales East")
    assert sees(mate, east_contact) and edits(mate, east_contact)
    access_settings.set_record_visibilities(personas.admin, {"directory.contact": Visibility.PRIVATE})
    assert not sees(mate, east_contact) and not edits(mate, east_contact)
    assert sees(personas.rep_east, east_contact) and sees(personas.sales_manager, east_contact)  # owner, manager
    # the default is per object type: the team still sees the company of the same team
    company = actions.create_company(personas.rep_east, {"name": "East Co"})
    assert sees(mate, company)


def test_public_default_lets_every_customer_role_read_but_not_edit(personas: Any, east_contact: Contact) -> None:
    access_settings.set_record_visibilities(personas.admin, {"directory.contact": Visibility.PUBLIC})
    for name in ("rep_west", "service_agent", "marketer"):
        user = getattr(personas, name)
        assert sees(user, east_contact) and not edits(user, east_contact), name
    assert not sees(personas.auditor, east_contact) and not sees(personas.outsider, east_contact)


def test_the_manager_chain_covers_the_team_and_its_members_records(personas: Any) -> None:
    boss = _user_in("boss", "sales_manager", "Sales Central")
    assert not sees(boss, actions.create_contact(personas.rep_west, {"given_name": "Wendy"}))
    Team.objects.get(name="Sales West").managers.add(boss)
    wendy = Contact.objects.get(given_name="Wendy")
    assert sees(boss, wendy) and edits(boss, wendy)
    # a record owned by a West member but filed in no team is still the manager's to see
    Contact.objects.filter(pk=wendy.pk).update(team=None)
    assert sees(boss, wendy) and not sees(_user_in("mate2", "sales_rep", "Sales West"), wendy)


def test_a_share_grants_read_or_edit_until_it_expires(personas: Any, east_contact: Contact) -> None:
    west = personas.rep_west
    assert not sees(west, east_contact)
    sharing.share_record(personas.rep_east, Contact, east_contact.pk, user=west.pk, level="read", expires_on=tomorrow())
    assert sees(west, east_contact) and not edits(west, east_contact)
    assert ContactEmail.objects.visible_to(west).filter(contact=east_contact).count() == 1  # rows follow their contact
    sharing.share_record(personas.rep_east, Contact, east_contact.pk, user=west.pk, level="edit", expires_on=tomorrow())
    assert RecordShare.objects.count() == 1 and edits(west, east_contact)  # sharing again replaces
    RecordShare.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not sees(west, east_contact) and not edits(west, east_contact)  # expired: grants nothing


def test_a_team_share_reaches_everyone_in_the_team(personas: Any, east_contact: Contact) -> None:
    service = Team.objects.get(name="Service")
    sharing.share_record(personas.sales_manager, Contact, east_contact.pk, team=service.pk, level="read", expires_on=tomorrow(7))
    assert sees(personas.service_agent, east_contact) and not sees(personas.marketer, east_contact)
    event = AuditEvent.objects.filter(kind=330).get()
    assert event.target_id == str(east_contact.pk) and event.extra["grantee"] == "team:Service"


def test_only_those_who_manage_a_record_may_share_it(personas: Any, east_contact: Contact) -> None:
    mate = _user_in("mate3", "sales_rep", "Sales East")
    for user in (mate, personas.rep_west, personas.auditor, personas.outsider):
        with pytest.raises(Http404):
            sharing.share_record(user, Contact, east_contact.pk, user=personas.marketer.pk, level="read", expires_on=tomorrow())
    assert not RecordShare.objects.exists()
    assert not AuditEvent.objects.filter(kind=330).exists()


def test_share_input_is_checked(personas: Any, east_contact: Contact) -> None:
    with pytest.raises(ValidationError) as caught:
        sharing.share_record(
            personas.rep_east, Contact, east_contact.pk, user=personas.auditor.pk, level="own", expires_on=timezone.localdate()
        )
    assert set(caught.value.message_dict) == {"user", "level", "expires_on"}
    with pytest.raises(ValidationError) as caught:
        sharing.share_record(personas.rep_east, Contact, east_contact.pk, level="read", expires_on=tomorrow(400))
    assert set(caught.value.message_dict) == {"grantee", "expires_on"}
    assert not RecordShare.objects.exists()


def test_removing_a_share_ends_the_access_and_is_audited(personas: Any, east_contact: Contact) -> None:
    marketer = personas.marketer.pk
    share = sharing.share_record(personas.rep_east, Contact, east_contact.pk, user=marketer, level="read", expires_on=tomorrow())
    with pytest.raises(Http404):
        sharing.remove_share(personas.marketer, Contact, east_contact.pk, share.pk)  # the grantee cannot
    sharing.remove_share(personas.rep_east, Contact, east_contact.pk, share.pk)
    assert not sees(personas.marketer, east_contact)
    assert AuditEvent.objects.filter(kind=331, target_id=str(east_contact.pk)).count() == 1


def test_changing_a_default_is_for_administrators_and_recorded_with_old_and_new(personas: Any) -> None:
    for user in (personas.sales_manager, personas.auditor, personas.outsider):
        with pytest.raises(PermissionDenied):
            access_settings.set_record_visibilities(user, {"directory.company": "public"})
    assert not AuditEvent.objects.filter(kind=510).exists()
    wanted = {"directory.company": "public", "directory.contact": "team"}
    changes = access_settings.set_record_visibilities(personas.admin, wanted)
    assert changes == {"directory.company": {"old": "team", "new": "public"}}  # an unchanged value writes nothing
    event = AuditEvent.objects.get(kind=510)
    assert event.changes == {"visibility": {"old": "team", "new": "public"}}
    assert event.target_id == "record_visibility.directory.company"
    with pytest.raises(ValidationError):
        access_settings.set_record_visibilities(personas.admin, {"directory.company": "everyone", "auth.user": "public"})


def test_every_scoped_model_declares_its_access_and_owned_ones_have_uuid_keys() -> None:
    from django.apps import apps

    from bastion.kernel.access.scoping import ScopedManager

    for model in apps.get_models():
        if isinstance(model._default_manager, ScopedManager):
            assert rule_of(model) is not None, f"{model} has a scoped manager but declares no record_access"
    labels = [object_type(model) for model in owned_models()]
    assert labels == sorted(labels) and {"directory.company", "directory.contact", "sales.deal"} <= set(labels)
    for model in owned_models():
        rule = rule_of(model)
        assert isinstance(rule, Owned)
        assert model._meta.pk.get_internal_type() == "UUIDField", model  # shares name records by UUID


def test_an_undeclared_model_is_invisible(personas: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    Tag.objects.create(name="VIP")
    assert Tag.objects.visible_to(personas.rep_east).count() == 1
    monkeypatch.delattr(Tag, "record_access")
    assert Tag.objects.visible_to(personas.rep_east).count() == 0
    assert Tag.objects.visible_to(personas.admin).count() == 0  # not even administrators


def test_the_whole_rule_is_one_query_whatever_the_number_of_rows(personas: Any) -> None:
    for i in range(30):
        actions.create_company(personas.rep_east if i % 2 else personas.rep_west, {"name": f"Co {i}"})
    sharing.share_record(personas.rep_east, Company, Company.objects.filter(owner=personas.rep_east).first().pk,  # type: ignore[union-attr]
                         user=personas.rep_west.pk, level="read", expires_on=tomorrow())  # fmt: skip
    user = personas.rep_west
    user.membership  # noqa: B018 - the role is read once per request, like the middleware does
    with CaptureQueriesContext(connection) as queries:
        visible = list(Company.objects.visible_to(user))
    assert len(queries.captured_queries) == 1
    assert len(visible) == 16  # 15 own + 1 shared
    sql = queries.captured_queries[0]["sql"]
    assert "accounts_recordshare" in sql and "accounts_team_managers" in sql


def _user_in(username: str, role: str, team_name: str) -> Any:
    from bastion.directory.tests.factories import UserFactory

    user: Any = UserFactory(username=username, role=role)
    user.membership.teams.add(Team.objects.get_or_create(name=team_name)[0])
    return type(user).objects.get(pk=user.pk)

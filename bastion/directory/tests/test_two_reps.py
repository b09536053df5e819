"""Must-show of issue 5: two sales reps on different teams cannot read, update, delete, search or
guess each other's contacts by id, through the web UI or the API.

rep_east (team Sales East) owns Erin; rep_west (team Sales West) owns Walt. Each tries every
way in to the other's contact; every attempt is answered exactly as for a contact that does
not exist, shows nothing of it, changes nothing and records no successful change.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from bastion.directory import actions
from bastion.directory.models import Contact
from bastion.kernel.audit.kinds import Outcome
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.testing import without_csrf_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def erin(personas: Any) -> Contact:
    return actions.create_contact(
        personas.rep_east,
        {"given_name": "Erin", "family_name": "Eastbrook", "emails": ["erin@eastbrook.example"], "phones": ["+44 20 7946 0001"]},
    )


@pytest.fixture
def walt(personas: Any) -> Contact:
    return actions.create_contact(
        personas.rep_west,
        {"given_name": "Walt", "family_name": "Westwood", "emails": ["walt@westwood.example"], "phones": ["+44 20 7946 0002"]},
    )


def stored() -> list[Any]:
    return list(Contact.objects.order_by("pk").values())


def successful_changes() -> int:
    return AuditEvent.objects.filter(outcome=Outcome.SUCCESS, kind__gte=300, kind__lt=400).count()


def leaks(response: Any, contact: Contact, echo: str = "") -> bool:
    """Whether the answer shows anything of ``contact`` (``echo``: the user's own search text, shown back to them)."""
    body = response.content.decode()
    if echo:
        body = body.replace(echo, "")
    secrets = (contact.family_name, contact.given_name, str(contact.pk), "westwood.example", "eastbrook.example", "7946")
    return any(secret in body for secret in secrets)


@pytest.mark.parametrize(("who", "victim"), [("rep_east", "walt"), ("rep_west", "erin")])
def test_a_rep_cannot_reach_the_other_teams_contact_in_the_web_ui(
    personas: Any, signed_in: Any, erin: Contact, walt: Contact, who: str, victim: str
) -> None:
    client = signed_in(getattr(personas, who))
    contact = {"erin": erin, "walt": walt}[victim]
    before, events, outbox = stored(), successful_changes(), len(mail.outbox)
    missing = uuid.uuid4()

    # read, edit form, delete confirmation: the same 404 as an id that does not exist
    for view in ("directory:contact-detail", "directory:contact-edit", "directory:contact-delete", "directory:contact-history"):
        response = client.get(reverse(view, args=[contact.pk]))
        assert response.status_code == 404 and not leaks(response, contact), view
        other = client.get(reverse(view, args=[missing])).content
        assert without_csrf_token(response.content) == without_csrf_token(other), view  # no oracle
    # update and delete
    response = client.post(reverse("directory:contact-edit", args=[contact.pk]), {"given_name": "Hacked"})
    assert response.status_code == 404 and not leaks(response, contact)
    response = client.post(reverse("directory:contact-delete", args=[contact.pk]), {"confirmed": "yes"})
    assert response.status_code == 404 and not leaks(response, contact)
    # search by name, by exact email and by phone; the list filtered by their own name
    for query in (contact.family_name, f"{contact.given_name.lower()}@{contact.family_name.lower()}.example", "7946 000"):
        response = client.get(reverse("directory:search"), {"q": query})
        assert response.status_code == 200 and not leaks(response, contact, echo=query), query
        assert "No contacts match" in response.content.decode(), query
    response = client.get(reverse("directory:contact-list"), {"q": contact.family_name})
    assert response.status_code == 200 and not leaks(response, contact, echo=contact.family_name)

    assert stored() == before and successful_changes() == events and len(mail.outbox) == outbox


@pytest.mark.parametrize(("who", "victim"), [("rep_east", "walt"), ("rep_west", "erin")])
def test_a_rep_cannot_reach_the_other_teams_contact_through_the_api(
    personas: Any, api_as: Any, erin: Contact, walt: Contact, who: str, victim: str
) -> None:
    client = api_as(getattr(personas, who))
    contact = {"erin": erin, "walt": walt}[victim]
    before, events, outbox = stored(), successful_changes(), len(mail.outbox)
    url = reverse("api-contact-detail", kwargs={"id": str(contact.pk)})
    missing_url = reverse("api-contact-detail", kwargs={"id": str(uuid.uuid4())})

    response = client.get(url)
    assert response.status_code == 404 and not leaks(response, contact)
    assert response.json() == client.get(missing_url).json()  # a guessed id and a missing one look the same
    for method, data in (("patch", {"given_name": "Hacked"}), ("put", {"given_name": "Hacked"}), ("delete", None)):
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 404 and not leaks(response, contact), method
    listing = client.get(reverse("api-contact-list"), {"q": contact.family_name})
    assert listing.status_code == 200 and listing.json()["results"] == [] and not leaks(listing, contact)
    email = f"{contact.given_name.lower()}@{contact.family_name.lower()}.example"
    assert client.get(reverse("api-contact-list"), {"q": email}).json()["results"] == []

    assert stored() == before and successful_changes() == events and len(mail.outbox) == outbox


def test_each_rep_still_reaches_their_own(personas: Any, signed_in: Any, api_as: Any, erin: Contact, walt: Contact) -> None:
    """The denials above are about the other team, not a broken page: each rep sees their own contact."""
    east = signed_in(personas.rep_east)
    assert "Eastbrook" in east.get(reverse("directory:contact-detail", args=[erin.pk])).content.decode()
    found = east.get(reverse("directory:search"), {"q": "erin@eastbrook.example"}).content.decode()
    assert "Eastbrook" in found
    api = api_as(personas.rep_west)
    assert api.get(reverse("api-contact-detail", kwargs={"id": str(walt.pk)})).json()["family_name"] == "Westwood"

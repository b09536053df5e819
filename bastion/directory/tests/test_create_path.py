"""Creating a contact through the API: what it costs in queries, and that the shortcuts change nothing.

The create answers from the rows the action wrote (not a re-read), makes the audit snapshot from
them, and makes the new person's data key and blind-index entries in one key-store transaction
without looking anything up first. These tests pin the query counts and check that the answer,
the audit record and the stored ciphertexts are exactly what reading the record again gives.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from bastion.directory import actions
from bastion.directory.models import EMAIL_SCOPE, PHONE_SCOPE, Contact
from bastion.directory.tests.factories import TagFactory
from bastion.kernel.audit.changes import diff
from bastion.kernel.crypto import blind, keyring
from bastion.kernel.crypto.router import KEYSTORE_ALIAS

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/contacts/"
# On the main database, for full_contact(): the token (joined with its user and membership), the
# throttle counter, the company (scoped), the actor's default team, the contact, the tags (a look-up
# each, an insert for each new one: 3 + 2), their links, the emails, the phones, the visibility
# re-check (DESIGN.md rule 4); the audit event too, but it bypasses Django's cursor (sqlite3
# itself, or a prepared statement on PostgreSQL), so it is not captured here. Nothing is read
# back for the answer.
API_CREATE_QUERIES = 14
# In the key store, through Django's cursor: at most the blind-index scope keys and the list of retiring
# key versions, which this new process has not cached yet. The new person's data key and their
# blind-index entries are written past it (kernel/crypto/store.send_first_keys: one
# statement on PostgreSQL, two statements in one transaction on SQLite), with nothing read first.
API_CREATE_KEYSTORE_QUERIES = 4
CONTACT_TABLES = ("directory_contact", "directory_contactemail", "directory_contactphone")


def full_contact(company: Any) -> dict[str, Any]:
    return {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "job_title": "Analyst",
        "company": str(company.pk),
        "tags": ["zeta", "vip", "Alpha"],  # "vip" is the existing tag "VIP"
        "emails": [{"address": "ada@analytical.example"}, {"address": "ada@home.example", "label": "personal"}],
        "phones": [{"number": "+44 20 7946 0123", "label": "mobile", "is_primary": True}],
        "street": "12 St James's Square",
        "city": "London",
        "date_of_birth": "1985-12-10",
        "national_id": "QQ123456C",
        "private_notes": "Prefers letters.",
        "notes": "Met at the Society.",
    }


def _statements(queries: Any) -> list[str]:
    """The captured statements, without the savepoints the test's own transaction turns ``atomic`` into."""
    return [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"].upper()]


def _person_reads(statements: list[str]) -> list[str]:
    """Reads of a person's data key, tombstone or index entries (the scope keys' versions are cached per process)."""
    tables = ('"keystore_personkey"', '"keystore_erasedperson"', '"keystore_blindindexentry"')
    return [sql for sql in statements if sql.lstrip().upper().startswith("SELECT") and any(t in sql for t in tables)]


@pytest.fixture
def api_client(personas: Any, api_as: Any, settings: Any) -> Any:
    # A day-long throttle window: the first request of a window creates its counter row.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "100000/day"}}
    client = api_as(personas.rep_east)
    warm = {"given_name": "Warm", "emails": [{"address": "warm@x.example"}], "phones": [{"number": "+44 20 7946 0000"}]}
    created = client.post(CONTACTS, warm, format="json")
    assert created.status_code == 201  # stamps the token's last use, opens the throttle window, makes the index keys
    return client


@pytest.mark.parametrize("who", ["rep_east", "admin"])
def test_the_create_answer_is_what_reading_the_contact_gives(personas: Any, api_as: Any, company: Any, who: str) -> None:
    TagFactory(name="VIP")
    client = api_as(getattr(personas, who))
    created = client.post(CONTACTS, full_contact(company), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert client.get(f"{CONTACTS}{body['id']}/").json() == body
    assert body["tags"] == ["Alpha", "VIP", "zeta"] and len(body["emails"]) == 2 and body["company_name"] == "Acme Ltd"
    # Restricted values are masked for every role (docs/adr/0030): revealing one is a separate, audited request.
    assert body["national_id"] == "****456C" and body["date_of_birth"] == "****-**-**"
    assert body["emails"][1] == {"address": "a***@h***.example", "label": "personal", "is_primary": False}


def test_the_create_is_audited_with_the_state_reading_it_gives(personas: Any, company: Any, recorded: list[Any]) -> None:
    TagFactory(name="VIP")
    contact = actions.create_contact(personas.rep_east, full_contact(company))
    keyring.clear_caches()  # read back with the key from the key store, not the one this process made
    stored = Contact.objects.get(pk=contact.pk)
    assert recorded[-1]["verb"] == "contact.created"
    assert recorded[-1]["changes"] == diff(None, actions._snapshot(stored))
    assert (stored.street, stored.national_id, stored.primary_phone) == ("12 St James's Square", "QQ123456C", "+44 20 7946 0123")


def test_an_api_create_costs_a_fixed_number_of_queries_and_reads_nothing_back(api_client: Any, company: Any) -> None:
    TagFactory(name="VIP")
    with CaptureQueriesContext(connection) as main, CaptureQueriesContext(connections[KEYSTORE_ALIAS]) as keys:
        created = api_client.post(CONTACTS, full_contact(company), format="json")
    assert created.status_code == 201, created.json()
    ours = _statements(main)
    assert len(ours) == API_CREATE_QUERIES, "\n".join(sql[:120] for sql in ours)
    reads = [sql for sql in ours if sql.startswith("SELECT") and any(f'"{table}"' in sql for table in CONTACT_TABLES)]
    assert len(reads) == 1 and reads[0].startswith('SELECT 1 AS "a"'), reads  # the visibility re-check, nothing read back
    stored = _statements(keys)
    assert len(stored) <= API_CREATE_KEYSTORE_QUERIES, stored
    assert all("keystore_servicekey" in sql or "keystore_retiredversion" in sql for sql in stored), stored
    assert not _person_reads(stored), stored


def test_enrol_makes_the_key_and_entries_without_reading_first() -> None:
    person = uuid.uuid4()
    blind.enrol(person, {EMAIL_SCOPE: ["ann@x.example"], PHONE_SCOPE: ["442079460123", ""]})  # warms the scope keys
    other = uuid.uuid4()
    with CaptureQueriesContext(connections[KEYSTORE_ALIAS]) as keys:
        blind.enrol(other, {EMAIL_SCOPE: ["bob@x.example", "bob@x.example"]})
    statements = _statements(keys)
    assert not _person_reads(statements), statements
    assert blind.lookup(EMAIL_SCOPE, "ann@x.example") == [person] and blind.lookup(PHONE_SCOPE, "442079460123") == [person]
    assert blind.lookup(EMAIL_SCOPE, "bob@x.example") == [other]
    made = keyring.key_for_write(other)
    keyring.clear_caches()
    assert keyring.key_for_write(other).version == made.version  # the committed key, found again from the store

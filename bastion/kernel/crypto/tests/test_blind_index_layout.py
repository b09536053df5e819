"""How the key store holds blind-index entries (ADR 0059): unique by person, searched by value, no scan either way."""

from __future__ import annotations

import random
import uuid

import pytest
from django.db import IntegrityError, connections, transaction
from django.db.models import Q

from bastion.kernel.crypto.models import BlindIndexEntry
from bastion.kernel.crypto.router import KEYSTORE_ALIAS
from bastion.kernel.crypto.store import insert_ignoring_conflicts
from bastion.kernel.testing import query_plan

ENTRIES = BlindIndexEntry.objects.using(KEYSTORE_ALIAS)
EMAILS = "directory.contact.email"
TABLE = BlindIndexEntry._meta.db_table


def _indexes() -> dict[str, tuple[list[str], bool]]:
    """The key store's indexes on the entries: name -> (columns, unique)."""
    connection = connections[KEYSTORE_ALIAS]
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, TABLE)
    indexed = {name: info for name, info in found.items() if info["index"] or info["unique"]}
    return {name: (list(info["columns"]), bool(info["unique"])) for name, info in indexed.items()}


@pytest.mark.django_db
def test_the_index_searched_by_keyed_hash_holds_the_value_alone_and_uniqueness_is_by_person() -> None:
    indexes = _indexes()
    assert indexes["keystore_blind_value"] == (["value"], False)
    assert indexes["keystore_blind_person_unique"] == (["person", "scope", "value"], True)
    by_value = [columns for columns, _unique in indexes.values() if columns[:1] in (["value"], ["scope"])]
    assert by_value == [["value"]], indexes  # the one random index holds the value alone


@pytest.mark.django_db
def test_an_entry_is_stored_once_per_person_while_people_may_share_a_value() -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    ENTRIES.create(scope=EMAILS, value=42, person=alice)
    ENTRIES.create(scope=EMAILS, value=42, person=bob)  # a coincidence of the truncated hash: allowed
    with pytest.raises(IntegrityError), transaction.atomic(using=KEYSTORE_ALIAS):
        ENTRIES.create(scope=EMAILS, value=42, person=alice)
    insert_ignoring_conflicts(BlindIndexEntry, ["scope", "value", "person"], [(EMAILS, 42, alice), (EMAILS, 43, alice)])
    assert sorted(ENTRIES.values_list("value", "person")) == sorted([(42, alice), (42, bob), (43, alice)])


@pytest.mark.django_db
def test_a_search_and_a_persons_entries_each_use_their_own_index() -> None:
    rng = random.Random(7)
    people = [uuid.uuid4() for _ in range(300)]
    rows = [(scope, rng.getrandbits(18), person) for person in people for scope in (EMAILS, f"{EMAILS}@v2")]
    insert_ignoring_conflicts(BlindIndexEntry, ["scope", "value", "person"], rows)
    wanted = Q(scope=EMAILS, value=rows[10][1]) | Q(scope=f"{EMAILS}@v2", value=rows[11][1])
    lookup = ENTRIES.filter(wanted).values_list("person", flat=True).distinct()  # as blind.lookup asks
    search = query_plan(lookup, analyze=TABLE)
    assert "keystore_blind_value" in search, search
    assert f"SCAN {TABLE}" not in search and "Seq Scan" not in search, search
    batch = ENTRIES.filter(scope=EMAILS, value__in=[value for _scope, value, _person in rows[:50]])  # lookup_many
    many = query_plan(batch, analyze=TABLE)
    assert "keystore_blind_value" in many and "Seq Scan" not in many, many
    own = ENTRIES.filter(scope=EMAILS, person=people[3]).values_list("value", flat=True)  # set_entries
    theirs = query_plan(own, analyze=TABLE)
    # SQLite names a table's inline unique constraint's index sqlite_autoindex_...: its columns tell it.
    assert "keystore_blind_person_unique" in theirs or "(person=? AND scope=?)" in theirs, theirs
    assert f"SCAN {TABLE}" not in theirs and "Seq Scan" not in theirs, theirs
    found = set(ENTRIES.filter(wanted).values_list("person", flat=True))
    assert {people[5]} <= found  # rows 10 and 11 are the fifth person's two entries

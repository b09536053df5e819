"""The auditor's list pages through bastion.kernel.pagination: keyset, sealed cursors, clear 400s."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from bastion.kernel.audit.kinds import EventKind
from bastion.kernel.audit.models import AuditEvent
from bastion.kernel.audit.tests.helpers import append

pytestmark = pytest.mark.django_db


def _sequences(body: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-testid="audit-event">\s*<td>(\d+)</td>', body)]


def _link(body: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" class="button" href="([^"]+)"', body)
    return found.group(1).replace("&amp;", "&") if found else None


def test_pages_walk_the_log_newest_first_with_sealed_cursors(personas: Any, signed_in: Any) -> None:
    append(7)
    auditor = signed_in(personas.auditor)
    first = auditor.get("/audit/", {"kind": EventKind.RECORD_UPDATED, "limit": 3}).content.decode()
    assert _sequences(first) == [7, 6, 5]
    next_url = _link(first, "next")
    assert next_url is not None and "kind=301" in next_url and "limit=3" in next_url
    cursor = re.search(r"cursor=([^&]+)", next_url).group(1)  # type: ignore[union-attr]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert b"sequence" not in raw and b'"v"' not in raw  # sealed (AES-GCM), not readable JSON
    second = auditor.get("/audit/" + next_url).content.decode()
    assert _sequences(second) == [4, 3, 2]
    third = auditor.get("/audit/" + _link(second, "next")).content.decode()  # type: ignore[operator]
    assert _sequences(third) == [1] and _link(third, "next") is None
    back = auditor.get("/audit/" + _link(third, "prev")).content.decode()  # type: ignore[operator]
    assert _sequences(back) == [4, 3, 2]
    oldest_first = auditor.get("/audit/", {"kind": EventKind.RECORD_UPDATED, "ordering": "sequence", "limit": 4})
    assert _sequences(oldest_first.content.decode()) == [1, 2, 3, 4]


def test_damaged_cursor_or_bad_limit_is_a_clear_400_and_not_audited_as_a_view(personas: Any, signed_in: Any) -> None:
    append(2)
    auditor = signed_in(personas.auditor)
    before = AuditEvent.objects.count()
    damaged = auditor.get("/audit/", {"cursor": "AQ" + "x" * 60})
    assert damaged.status_code == 400 and "damaged" in damaged.content.decode()
    too_big = auditor.get("/audit/", {"limit": 1000})
    assert too_big.status_code == 400 and "page size" in too_big.content.decode()
    unknown = auditor.get("/audit/", {"ordering": "actor"})
    assert unknown.status_code == 400
    assert AuditEvent.objects.count() == before


def test_an_invalid_filter_form_gives_no_filters_rather_than_the_whole_log() -> None:
    from bastion.kernel.audit.views import EventFilterForm

    form = EventFilterForm({"kind": "not-a-kind", "since": "yesterday"})
    with pytest.raises(ValueError, match="not valid"):
        form.filters()
    valid = EventFilterForm({"kind": str(int(EventKind.RECORD_UPDATED)), "since": "2026-01-02"})
    filters = valid.filters()
    assert filters.kind == EventKind.RECORD_UPDATED and filters.since is not None and filters.since.day == 2

"""The auditor's list names targets and changed fields as a person reads them, in the reader's language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings

from bastion.directory import actions as directory_actions
from bastion.kernel.audit.kinds import EventKind

pytestmark = pytest.mark.django_db


def _created_row(page: str) -> str:
    rows = re.findall(r'<tr data-testid="audit-event">(.*?)</tr>', page, flags=re.S)
    created = [row for row in rows if "directory.contact " in row]
    assert len(created) == 1
    return created[0]


@pytest.mark.parametrize(("language", "target", "field"), [("en", "Contact", "given name"), ("zh-hans", "联系人", "名字")])
def test_targets_and_changed_fields_are_named(personas: Any, signed_in: Any, language: str, target: str, field: str) -> None:
    directory_actions.create_contact(personas.rep_east, {"given_name": "Ann", "family_name": "Lee"})
    auditor = signed_in(personas.auditor)
    auditor.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    row = _created_row(auditor.get("/audit/", {"kind": EventKind.RECORD_CREATED}).content.decode())
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
    assert cells[5].startswith(f"{target} ")  # the stored "directory.contact <id>" stays in the cell's title
    assert field in cells[7].split(", ") and "given_name" not in cells[7]


def _actors(page: str) -> set[str]:
    rows = re.findall(r'<tr data-testid="audit-event">(.*?)</tr>', page, flags=re.S)
    return {re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)[4] for row in rows}


def test_the_actor_filter_takes_a_user_name_or_an_id(personas: Any, signed_in: Any) -> None:
    directory_actions.create_company(personas.rep_east, {"name": "East Ltd"})
    directory_actions.create_company(personas.rep_west, {"name": "West Ltd"})
    auditor = signed_in(personas.auditor)
    by_name = auditor.get("/audit/", {"actor": "REP_EAST", "kind": EventKind.RECORD_CREATED})
    by_id = auditor.get("/audit/", {"actor": str(personas.rep_east.pk), "kind": EventKind.RECORD_CREATED})
    assert by_name.status_code == by_id.status_code == 200
    assert _actors(by_name.content.decode()) == _actors(by_id.content.decode()) == {"rep_east"}


def test_an_unknown_user_name_is_an_error_and_shows_or_exports_nothing(personas: Any, signed_in: Any) -> None:
    from bastion.accounts.testing import step_up
    from bastion.kernel.audit.models import AuditEvent

    directory_actions.create_company(personas.rep_east, {"name": "East Ltd"})
    auditor = signed_in(personas.auditor)
    page = auditor.get("/audit/", {"actor": "nobody"})
    body = page.content.decode()
    assert page.status_code == 400 and "No account has the user name “nobody”." in body
    assert 'data-testid="audit-event"' not in body  # not the whole log, unfiltered
    step_up(auditor, personas.auditor)
    exports = AuditEvent.objects.filter(kind=EventKind.EXPORTED).count()
    refused = auditor.get("/audit/export.csv", {"actor": "nobody"})
    assert refused.status_code == 400 and "text/csv" not in refused["Content-Type"]
    assert AuditEvent.objects.filter(kind=EventKind.EXPORTED).count() == exports  # nothing was exported


@pytest.mark.parametrize(
    ("target_type", "key", "label"),
    [
        ("auth.user", "role", "角色"),
        ("auth.user", "teams", "团队"),
        ("engagement.interaction", "property_names", "属性名称"),
        ("directory.company", "contacts_unlinked", "解除关联的联系人"),
        ("directory.company", "name", "名称"),
    ],
)
def test_what_an_action_records_beside_its_columns_is_named_too(target_type: str, key: str, label: str) -> None:
    """Keys that are not fields of the model (a member's role and teams are on their membership)."""
    from types import SimpleNamespace

    from django.utils import translation

    from bastion.kernel.templatetags.audit_labels import changed_field_labels

    with translation.override("zh-hans"):
        assert changed_field_labels(SimpleNamespace(target_type=target_type, changes={key: {"changed": True}})) == label


@pytest.mark.parametrize(
    ("target_type", "label"),
    [("kernel.audit_log", "审计日志"), ("setting", "设置"), ("keystore.root_key", "根密钥"), ("route:x", "route:x")],
)
def test_targets_that_are_not_records_are_named_too(target_type: str, label: str) -> None:
    from django.utils import translation

    from bastion.kernel.templatetags.audit_labels import target_label

    with translation.override("zh-hans"):
        assert target_label(target_type) == label

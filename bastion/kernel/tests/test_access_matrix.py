"""The access matrix: one definition drives the code, the roles page and docs/access-control.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from bastion.kernel.access.matrix import matrix_rows, render_markdown
from bastion.kernel.access.roles import CUSTOMER_DATA_ROLES, CUSTOMER_WRITE_ROLES, POLICIES, Role
from bastion.kernel.access.scoping import can_change_customer_records, can_see_customer_records


def test_every_role_has_exactly_one_policy() -> None:
    assert set(POLICIES) == set(Role)


def test_committed_access_control_doc_matches_the_code() -> None:
    committed = (Path(settings.BASE_DIR) / "docs" / "access-control.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "docs/access-control.md is stale: run `bastion accessdoc`"


def test_accessdoc_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "access-control.md"
    stale.write_text("# Access control\n\nold\n")
    with pytest.raises(Exception, match="out of date"):
        call_command("accessdoc", "--check", output=str(stale))
    call_command("accessdoc", output=str(stale))
    call_command("accessdoc", "--check", output=str(stale))


def test_the_matrix_says_what_the_scoping_code_does(personas: Any) -> None:
    for name, user in personas.all().items():
        role = user.membership.role if hasattr(user, "membership") else None
        assert can_see_customer_records(user) == (role in CUSTOMER_DATA_ROLES), name
        assert can_change_customer_records(user) == (role in CUSTOMER_WRITE_ROLES), name
    assert Role.SECURITY_OFFICER not in CUSTOMER_DATA_ROLES  # the auditor sees no customer data
    assert Role.READ_ONLY in CUSTOMER_DATA_ROLES and Role.READ_ONLY not in CUSTOMER_WRITE_ROLES


def test_roles_page_shows_every_role_and_marks_the_viewers_own(personas: Any, signed_in: Any) -> None:
    response = signed_in(personas.marketer).get("/access/roles/")
    assert response.status_code == 200
    body = response.content.decode()
    for row in matrix_rows():
        assert row.label in body
    assert body.count('aria-current="true"') == 1
    assert 'class="current" aria-current="true"' in body.split("Marketer</th>")[0].rsplit("<tr", 1)[1]


def test_roles_page_is_closed_to_outsiders_and_anonymous(personas: Any, signed_in: Any, client: Any) -> None:
    assert signed_in(personas.outsider).get("/access/roles/").status_code == 403
    response = client.get("/access/roles/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_doc_and_the_roles_page_describe_the_record_rules(personas: Any, signed_in: Any) -> None:
    from django.utils.html import escape

    from bastion.kernel.access.matrix import record_rules
    from bastion.kernel.access.records import object_type, owned_models

    doc = render_markdown()
    assert "## Record access" in doc
    for model in owned_models():  # a new kind of record makes the committed doc stale until regenerated
        assert f"`{object_type(model)}`" in doc
    assert "read and write, every record" in doc and "read, by the record rules" in doc
    body = signed_in(personas.rep_east).get("/access/roles/").content.decode()
    assert 'data-testid="record-rules"' in body and all(escape(rule) in body for rule in record_rules())

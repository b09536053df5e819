"""Colleagues' names are written in the order their script uses, wherever Bastion shows them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from bastion.accounts.actions import create_staff_user
from bastion.kernel.access.roles import Role

pytestmark = pytest.mark.django_db


def test_a_chinese_name_is_family_name_first_without_a_space() -> None:
    user, _ = create_staff_user(
        "li.na", "li.na@example.com", Role.SALES_REP, usable_password=False, first_name="娜", last_name="李"
    )
    assert get_user_model().objects.get(pk=user.pk).get_full_name() == "李娜"


def test_a_western_name_is_given_name_first_and_a_missing_part_leaves_no_space() -> None:
    emma, _ = create_staff_user(
        "emma", "emma@example.com", Role.SALES_REP, usable_password=False, first_name="Emma", last_name="Jones"
    )
    solo, _ = create_staff_user("solo", "solo@example.com", Role.SALES_REP, usable_password=False, first_name="Cher")
    assert emma.get_full_name() == "Emma Jones" and solo.get_full_name() == "Cher"


def test_the_staff_list_shows_the_names_in_that_order(signed_in: Any, personas: Any) -> None:
    create_staff_user("wang.wei", "wang.wei@example.com", Role.SALES_REP, usable_password=False, first_name="伟", last_name="王")
    body = signed_in(personas.admin).get("/accounts/staff/").content.decode()
    assert "王伟" in body and "伟 王" not in body

"""A company's or contact's address is laid out the way its country writes it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from bastion.directory import actions
from bastion.directory.addresses import address_lines

CASES = [
    (("78 Congress Avenue", "Austin", "TX", "78701", "United States"),
     ["78 Congress Avenue", "Austin, TX 78701", "United States"]),
    (("1 Bay Street", "Toronto", "ON", "M5J 2R8", "Canada"), ["1 Bay Street", "Toronto, ON M5J 2R8", "Canada"]),
    (("10 Downing Street", "London", "", "SW1A 2AA", "United Kingdom"),
     ["10 Downing Street", "London", "SW1A 2AA", "United Kingdom"]),
    (("Unter den Linden 1", "Berlin", "", "10117", "Germany"), ["Unter den Linden 1", "10117 Berlin", "Germany"]),
    (("浦东新区世纪大道567号", "上海", "上海市", "200120", "中国"), ["中国", "上海市", "浦东新区世纪大道567号", "200120"]),
    (("天河区珠江新城华夏路8号", "广州", "广东省", "510623", "China"),
     ["China", "广东省 广州", "天河区珠江新城华夏路8号", "510623"]),
    # Written in Latin letters, a Chinese address keeps the layout of an envelope from abroad.
    (("567 Century Avenue, Pudong", "Shanghai", "", "200120", "China"),
     ["567 Century Avenue, Pudong", "200120 Shanghai", "China"]),
    (("", "", "", "", ""), []),
    (("88 Main Street", "", "", "", "usa"), ["88 Main Street", "usa"]),
]  # fmt: skip


@pytest.mark.parametrize(("parts", "lines"), CASES)
def test_an_address_is_laid_out_in_its_countrys_order(parts: tuple[str, ...], lines: list[str]) -> None:
    assert address_lines(*parts) == lines


@pytest.mark.django_db
def test_the_company_page_shows_the_address_and_its_history_line_in_the_readers_way(personas: Any, signed_in: Any) -> None:
    address = {"street": "高新区天府大道363号", "city": "成都", "region": "四川省", "postal_code": "610041", "country": "中国"}
    company = actions.create_company(personas.rep_east, {"name": "明德物流", **address})
    client = signed_in(personas.rep_east)
    english = client.get(reverse("directory:company-detail", args=[company.pk])).content.decode()
    assert "<address>中国<br>四川省 成都<br>高新区天府大道363号<br>610041</address>" in english
    assert re.search(r"by rep_east\. Last changed", english)
    chinese = client.get(reverse("directory:company-detail", args=[company.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert re.search(r"添加。\S", chinese) and not re.search(r"。 ", chinese)

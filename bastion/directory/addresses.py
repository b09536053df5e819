"""A postal address laid out the way its country writes it, for the company and contact pages.

The parts are free text (the country too), so the style is recognised from the country's common
names and codes in English and Chinese; anything else keeps the general layout.

- North America and Australia: "88 Main Street" / "Austin, TX 78701" / "United States".
- The United Kingdom: street / town / county / postcode / country.
- China, Taiwan, Hong Kong, Macau, Japan and Korea, when the street is written in their script:
  from the country down, "中国" / "上海市 浦东新区" / "世纪大道567号" / "200120". Written in Latin
  letters, such an address keeps the general layout, as it would be on an envelope from abroad.
- Otherwise: street / "postal code town" / region / country (most of continental Europe).
"""

from __future__ import annotations

import re
from typing import Any

CITY_STATE_ZIP = {
    "united states", "united states of america", "usa", "us", "u.s.", "u.s.a.", "america", "美国",
    "canada", "ca", "加拿大", "australia", "au", "澳大利亚",
}  # fmt: skip
UNITED_KINGDOM = {
    "united kingdom", "uk", "u.k.", "gb", "great britain", "england", "scotland", "wales", "northern ireland", "英国",
}  # fmt: skip
COUNTRY_FIRST = {
    "china", "cn", "prc", "people's republic of china", "中国", "中华人民共和国", "taiwan", "tw", "台湾", "中国台湾",
    "hong kong", "hk", "香港", "中国香港", "macau", "macao", "mo", "澳门", "中国澳门", "japan", "jp", "日本",
    "korea", "south korea", "kr", "republic of korea", "韩国", "대한민국", "한국",
}  # fmt: skip
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def address_lines(street: Any, city: Any, region: Any, postal_code: Any, country: Any) -> list[str]:
    """The non-empty display lines of an address, in its country's order (module docstring)."""
    key = str(country or "").strip().casefold()
    if key in COUNTRY_FIRST and CJK.search(str(street or "")):
        area = region if city and region and str(region).startswith(str(city)) else _joined(" ", region, city)
        lines = [country, area, street, postal_code]
    elif key in CITY_STATE_ZIP:
        lines = [street, _joined(" ", _joined(", ", city, region), postal_code), country]
    elif key in UNITED_KINGDOM:
        lines = [street, city, region, postal_code, country]
    else:
        lines = [street, _joined(" ", postal_code, city), region, country]
    return [line for line in lines if line]


def _joined(separator: str, *parts: Any) -> str:
    return separator.join(part for part in parts if part)

"""A realistic demo organisation: English and Chinese companies and people, created through the actions.

Deterministic for a given seed (the same names, emails and phones; the ids differ). Domains
use the reserved ``.example`` top-level domain and phone numbers the ranges set aside for
fiction where a country has them (UK 020 7946 0xxx and 07700 900xxx, North America
555-01xx), so demo data can never reach a real person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from bastion.directory import actions

EN_BRANDS = [
    "Northwind", "Bluehaven", "Redwood", "Silverline", "Oakridge", "Brightpath", "Ironbridge", "Clearwater",
    "Summit", "Harbor", "Kestrel", "Meridian", "Pinnacle", "Lakeside", "Evergreen", "Granite", "Beacon",
    "Crescent", "Falcon", "Willow", "Juniper", "Copperfield", "Ashford", "Riverside",
]  # fmt: skip
ZH_BRANDS = [
    ("星辰", "xingchen"), ("华信", "huaxin"), ("智联", "zhilian"), ("云帆", "yunfan"), ("恒通", "hengtong"),
    ("鼎盛", "dingsheng"), ("睿达", "ruida"), ("博远", "boyuan"), ("天成", "tiancheng"), ("瑞丰", "ruifeng"),
    ("金桥", "jinqiao"), ("长风", "changfeng"), ("海纳", "haina"), ("明德", "mingde"), ("青松", "qingsong"),
]  # fmt: skip
# industry → (English suffixes, Chinese word, domain word)
INDUSTRIES = {
    "technology": (["Software", "Analytics", "Systems", "Labs"], "科技", "tech"),
    "manufacturing": (["Industries", "Manufacturing", "Components"], "制造", "mfg"),
    "finance": (["Capital", "Financial"], "金融服务", "finance"),
    "healthcare": (["Health", "Medical"], "医疗器械", "med"),
    "retail": (["Retail", "Outfitters", "Market"], "商贸", "trade"),
    "logistics": (["Logistics", "Freight"], "物流", "logistics"),
    "professional_services": (["Consulting", "Advisory"], "咨询", "consulting"),
    "energy": (["Energy", "Power"], "新能源", "energy"),
}
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1000+"]
EN_PLACES = [
    # city, region, postal code, country, phone prefix, fictional 3-4 digit range start
    ("London", "", "EC1A 1BB", "United Kingdom", "+44 20 7946 0", "Ltd"),
    ("Manchester", "", "M1 1AE", "United Kingdom", "+44 20 7946 0", "Ltd"),
    ("New York", "NY", "10001", "United States", "+1 212 555 01", "Inc."),
    ("San Francisco", "CA", "94105", "United States", "+1 415 555 01", "Inc."),
    ("Austin", "TX", "78701", "United States", "+1 512 555 01", "LLC"),
    ("Toronto", "ON", "M5H 2N2", "Canada", "+1 416 555 01", "Inc."),
]
EN_STREETS = ["High Street", "Market Street", "King Street", "Main Street", "Queen Street", "Station Road", "Mill Lane"]
ZH_PLACES = [
    # city, region, postal code, street, landline prefix
    ("上海", "上海市", "200120", "浦东新区世纪大道", "+86 21 "),
    ("北京", "北京市", "100020", "朝阳区建国路", "+86 10 "),
    ("深圳", "广东省", "518057", "南山区科技园科苑路", "+86 755 "),
    ("杭州", "浙江省", "310012", "西湖区文三路", "+86 571 "),
    ("广州", "广东省", "510623", "天河区珠江新城华夏路", "+86 20 "),
    ("成都", "四川省", "610041", "高新区天府大道", "+86 28 "),
]
EN_GIVEN = [
    "Alice", "Oliver", "Emma", "James", "Sophie", "Daniel", "Grace", "Thomas", "Hannah", "Samuel", "Chloe",
    "William", "Olivia", "Lucas", "Amelia", "Noah", "Isla", "Ethan", "Mia", "Jack",
]  # fmt: skip
EN_FAMILY = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Clarke", "Patel",
]  # fmt: skip
ZH_FAMILY = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
             ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun")]  # fmt: skip
ZH_GIVEN = [("伟", "wei"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"), ("洋", "yang"), ("艳", "yan"),
            ("勇", "yong"), ("杰", "jie"), ("婷", "ting"), ("强", "qiang"), ("秀英", "xiuying"), ("建华", "jianhua"),
            ("志强", "zhiqiang"), ("丽娟", "lijuan"), ("晓明", "xiaoming")]  # fmt: skip
EN_TITLES = [
    "Chief Executive Officer", "Chief Technology Officer", "Head of Procurement", "Sales Director",
    "Operations Manager", "Finance Manager", "IT Manager", "Purchasing Lead", "Marketing Director",
    "Account Manager", "Office Manager", "Product Manager",
]  # fmt: skip
ZH_TITLES = ["总经理", "技术总监", "采购经理", "销售总监", "运营经理", "财务经理", "IT 经理", "市场总监", "客户经理", "产品经理"]
TAGS = ["VIP", "Partner", "Prospect", "Customer", "Reseller", "Newsletter", "渠道伙伴", "重点客户"]
NOTES_EN = ["Met at the spring trade fair.", "Prefers calls in the morning.", "Asked for a quote in Q3.", ""]
NOTES_ZH = ["在春季展会上认识。", "喜欢上午电话联系。", "第三季度询过价。", ""]


@dataclass
class DemoCompany:
    data: dict[str, Any]
    chinese: bool
    phone_prefix: str
    people: list[dict[str, Any]] = field(default_factory=list)


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(count))


def _work_phone(rng: random.Random, company: DemoCompany) -> str:
    """A landline at the company: +86 21 6123 4567, +44 20 7946 0123 or +1 415 555 0123."""
    prefix = company.phone_prefix
    if company.chinese:
        return f"{prefix}{rng.randint(5, 8)}{_digits(rng, 3)} {_digits(rng, 4)}"
    return prefix + _digits(rng, 2 if prefix.endswith("01") else 3)


def _english_company(rng: random.Random, used: set[str]) -> DemoCompany:
    industry = rng.choice(sorted(INDUSTRIES))
    suffixes, _zh, _word = INDUSTRIES[industry]
    city, region, postal_code, country, phone_prefix, legal = rng.choice(EN_PLACES)
    brand, suffix = rng.choice(EN_BRANDS), rng.choice(suffixes)
    while f"{brand} {suffix}" in used:
        brand = rng.choice(EN_BRANDS)
    used.add(f"{brand} {suffix}")
    data = {
        "name": f"{brand} {suffix} {legal}",
        "domain": f"{brand}-{suffix}.example".lower(),
        "industry": industry,
        "size": rng.choice(SIZES),
        "street": f"{rng.randint(1, 240)} {rng.choice(EN_STREETS)}",
        "city": city,
        "region": region,
        "postal_code": postal_code,
        "country": country,
        "tags": rng.sample(TAGS[:6], rng.randint(0, 2)),
        "notes": rng.choice(NOTES_EN),
    }
    return DemoCompany(data=data, chinese=False, phone_prefix=phone_prefix)


def _chinese_company(rng: random.Random, used: set[str]) -> DemoCompany:
    industry = rng.choice(sorted(INDUSTRIES))
    _suffixes, word, domain_word = INDUSTRIES[industry]
    city, region, postal_code, street, phone_prefix = rng.choice(ZH_PLACES)
    brand, pinyin = rng.choice(ZH_BRANDS)
    while f"{city}{brand}{word}" in used:
        brand, pinyin = rng.choice(ZH_BRANDS)
    used.add(f"{city}{brand}{word}")
    data = {
        "name": f"{city}{brand}{word}有限公司",
        "domain": f"{pinyin}-{domain_word}.example",
        "industry": industry,
        "size": rng.choice(SIZES),
        "street": f"{street}{rng.randint(1, 999)}号",
        "city": city,
        "region": region,
        "postal_code": postal_code,
        "country": "中国",
        "tags": rng.sample([*TAGS[:4], *TAGS[6:]], rng.randint(0, 2)),
        "notes": rng.choice(NOTES_ZH),
    }
    return DemoCompany(data=data, chinese=True, phone_prefix=phone_prefix)


def _person(rng: random.Random, company: DemoCompany | None, chinese: bool, used: set[str]) -> dict[str, Any]:
    domain = company.data["domain"] if company else rng.choice(["mail.example", "post.example"])
    if chinese:
        (family, family_py), (given, given_py) = rng.choice(ZH_FAMILY), rng.choice(ZH_GIVEN)
        local, title = f"{family_py}{given_py}", rng.choice(ZH_TITLES)
        mobile = f"+86 1{rng.choice('3589')}{rng.randint(0, 9)} {_digits(rng, 4)} {_digits(rng, 4)}"
    else:
        given, family = rng.choice(EN_GIVEN), rng.choice(EN_FAMILY)
        local, title = f"{given}.{family}".lower(), rng.choice(EN_TITLES)
        american = company.phone_prefix.startswith("+1") if company and not company.chinese else rng.random() < 0.5
        mobile = f"+1 202 555 01{_digits(rng, 2)}" if american else f"+44 7700 900{_digits(rng, 3)}"
    address, n = f"{local}@{domain}", 2
    while address in used:
        address, n = f"{local}{n}@{domain}", n + 1
    used.add(address)
    phones = [{"number": mobile, "label": "mobile", "is_primary": True}]
    if company and rng.random() < 0.6:
        phones.append({"number": _work_phone(rng, company), "label": "work", "is_primary": False})
    data: dict[str, Any] = {
        "given_name": given,
        "family_name": family,
        "job_title": title,
        "preferred_language": "zh-hans" if chinese else "en",
        "emails": [{"address": address, "label": "work" if company else "personal", "is_primary": True}],
        "phones": phones,
        "tags": rng.sample(TAGS, 1) if rng.random() < 0.3 else [],
        "notes": rng.choice(NOTES_ZH if chinese else NOTES_EN),
    }
    if company:
        data.update({name: company.data[name] for name in ("city", "region", "country")})
    return data


def plan_demo_directory(*, companies: int = 40, contacts: int = 400, seed: int = 2024) -> list[DemoCompany]:
    """The demo data as plain dicts, without touching the database (deterministic for ``seed``).

    The last element holds contacts without a company (``data`` is empty).
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    used_names: set[str] = set()
    plan = [(_chinese_company if i % 2 else _english_company)(rng, used_names) for i in range(companies)]
    independents = DemoCompany(data={}, chinese=False, phone_prefix="")
    used_emails: set[str] = set()
    for _ in range(contacts):
        company = rng.choice(plan) if plan and rng.random() < 0.9 else None
        chinese = company.chinese if company else rng.random() < 0.5
        # A few people at Chinese companies are expatriates and the other way round.
        if company and rng.random() < 0.1:
            chinese = not chinese
        (company or independents).people.append(_person(rng, company, chinese, used_emails))
    return [*plan, independents]


def seed_demo_directory(owners: list[Any], *, companies: int = 40, contacts: int = 400, seed: int = 2024) -> tuple[int, int]:
    """Create the demo companies and contacts through the actions; returns (companies, contacts).

    Every record is owned, created and last changed by one of ``owners`` in turn (each must
    have a role that may change customer records). One transaction: all or nothing.
    """
    if not owners:
        raise ValueError("seed_demo_directory needs at least one owner")
    made_companies = made_contacts = 0
    with transaction.atomic():
        for index, demo in enumerate(plan_demo_directory(companies=companies, contacts=contacts, seed=seed)):
            company = None
            if demo.data:
                actor = owners[(index + index // 2) % len(owners)]  # not in step with the language
                company = actions.create_company(actor, {**demo.data, "owner": actor})
                made_companies += 1
            for number, person in enumerate(demo.people):
                # A company's people are filed by its owner, who can see it (record access, ADR 0027).
                actor = company.owner if company is not None else owners[(index + number) % len(owners)]
                actions.create_contact(actor, {**person, "company": company, "owner": actor})
                made_contacts += 1
    return made_companies, made_contacts

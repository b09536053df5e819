"""Companies and contacts, imported through bastion.directory.actions (create/update) and looked up
for duplicates through the directory's own lookups: a contact's email and phone through the blind
index (bastion.directory.selectors), a company by web domain or by name.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.directory import actions, fieldsecurity
from bastion.directory.access import access_contact_by_id
from bastion.directory.models import Company, CompanySize, Contact, Industry, Language
from bastion.directory.names import has_cjk, query_key, search_key
from bastion.imports import selectors
from bastion.imports.adapters.base import Adapter, FieldSpec, RowRejected
from bastion.kernel.access.masking import FieldNotEditable

ADDRESS = (
    FieldSpec("street", gettext_lazy("Street address"), ("address", "street", "address line 1", "地址", "街道", "详细地址")),
    FieldSpec("city", gettext_lazy("City"), ("city", "town", "城市", "市")),
    FieldSpec("region", gettext_lazy("State / province"), ("state", "province", "region", "county", "省", "省份", "地区")),
    FieldSpec("postal_code", gettext_lazy("Postal code"), ("postcode", "zip", "zip code", "postal code", "邮编", "邮政编码")),
    FieldSpec("country", gettext_lazy("Country"), ("country", "country/region", "国家", "国家/地区")),
)
RECORD = (
    FieldSpec("notes", gettext_lazy("Notes"), ("notes", "note", "comments", "description", "备注", "说明")),
    FieldSpec("tags", gettext_lazy("Tags"), ("tags", "tag", "labels", "标签")),
)


@functools.lru_cache(maxsize=8)
def _choice_lookup(kind: str) -> dict[str, str]:
    """Keys of a choice list by their key and their English and Chinese labels (compared as search keys)."""
    choices = {"industry": Industry, "size": CompanySize, "language": Language}[kind]
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[search_key(str(value))] = str(value)
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[search_key(str(label))] = str(value)
    if kind == "language":
        lookup.update(dict.fromkeys(("zh", "zh-cn", "chinese", "中文", "汉语", "普通话"), "zh-hans"))
        lookup.update(dict.fromkeys(("english", "英文", "英语"), "en"))
    return lookup


def choice_value(kind: str, text: str) -> str:
    """A choice's key from its key or its label in either language; unknown text is passed on for the action to refuse."""
    return _choice_lookup(kind).get(search_key(text), text)


def _common(values: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {spec.key: values[spec.key] for spec in ADDRESS if spec.key in values}
    if "notes" in values:
        data["notes"] = values["notes"]
    if "tags" in values:
        data["tags"] = values["tags"]
    return data


def _unwritable(actor: Any, model: Any, inputs: Mapping[str, str]) -> list[str]:
    """The import fields (keys of ``inputs``, each naming the action input it fills) the role may not change."""
    try:
        fieldsecurity.check_write(actor, model, dict.fromkeys(inputs.values()))
    except FieldNotEditable as exc:
        return [key for key, value in inputs.items() if value in exc.fields]
    return []


class CompanyAdapter(Adapter):
    key = "company"
    label = gettext_lazy("Companies")
    fields = (
        FieldSpec(
            "name",
            gettext_lazy("Company name"),
            (
                "company",
                "company name",
                "account",
                "account name",
                "organisation",
                "organization",
                "公司",
                "公司名称",
                "企业名称",
                "单位",
                "客户名称",
            ),
        ),
        FieldSpec("domain", gettext_lazy("Web domain"), ("website", "web site", "domain", "url", "网站", "网址", "域名", "官网")),
        FieldSpec("industry", gettext_lazy("Industry"), ("industry", "sector", "行业", "所属行业")),
        FieldSpec(
            "size",
            gettext_lazy("Employees"),
            ("employees", "size", "company size", "headcount", "员工人数", "人数", "规模", "公司规模"),
        ),
        *ADDRESS,
        *RECORD,
    )

    def unwritable_fields(self, actor: Any, keys: list[str]) -> list[str]:
        return _unwritable(actor, Company, {key: key for key in keys})

    def check(self, values: Mapping[str, str]) -> None:
        if not values.get("name"):
            raise RowRejected({"name": [_("The company name is empty.")]})

    def data(self, values: Mapping[str, str]) -> dict[str, Any]:
        data = {key: values[key] for key in ("name", "domain") if key in values}
        for key in ("industry", "size"):
            if key in values:
                data[key] = choice_value(key, values[key])
        data.update(_common(values))
        return data

    def find_duplicates(self, actor: Any, values: Mapping[str, str]) -> list[Any]:
        return selectors.companies_matching(actor, name=values.get("name", ""), domain=values.get("domain", ""))

    def create(self, actor: Any, values: Mapping[str, str]) -> Any:
        return actions.create_company(actor, self.data(values))

    def update(self, actor: Any, record_id: Any, values: Mapping[str, str]) -> Any:
        return actions.update_company(actor, record_id, self.data(values))


def split_full_name(text: str) -> tuple[str, str]:
    """``"王小明"`` → ("小明", "王"); ``"Ada Lovelace"`` → ("Ada", "Lovelace"); a single word is a given name."""
    text = " ".join(text.split())
    if has_cjk(text) and " " not in text:
        return (text[1:], text[:1]) if len(text) > 1 else ("", text)
    given, _sep, family = text.rpartition(" ")
    return (given, family) if given else (family, "")


class ContactAdapter(Adapter):
    key = "contact"
    label = gettext_lazy("Contacts")
    fields = (
        FieldSpec(
            "full_name",
            gettext_lazy("Full name (split into given and family name)"),
            ("name", "full name", "contact", "contact name", "姓名", "联系人", "联系人姓名", "名称"),
        ),
        FieldSpec("given_name", gettext_lazy("Given name"), ("first name", "firstname", "given name", "forename", "名", "名字")),
        FieldSpec("family_name", gettext_lazy("Family name"), ("last name", "lastname", "surname", "family name", "姓", "姓氏")),
        FieldSpec("job_title", gettext_lazy("Job title"), ("title", "job title", "position", "role", "职位", "职务", "头衔")),
        FieldSpec(
            "company",
            gettext_lazy("Company (found by name, or added)"),
            ("company", "company name", "organisation", "organization", "account", "公司", "公司名称", "单位", "工作单位"),
        ),
        FieldSpec(
            "email",
            gettext_lazy("Email"),
            ("email", "e-mail", "email address", "mail", "work email", "邮箱", "电子邮件", "电子邮箱", "邮件"),
        ),
        FieldSpec(
            "email_2",
            gettext_lazy("Second email"),
            ("email 2", "other email", "personal email", "secondary email", "备用邮箱", "个人邮箱"),
        ),
        FieldSpec(
            "phone",
            gettext_lazy("Phone"),
            ("phone", "telephone", "tel", "work phone", "office phone", "phone number", "电话", "座机", "办公电话", "联系电话"),
        ),
        FieldSpec(
            "mobile",
            gettext_lazy("Mobile phone"),
            ("mobile", "mobile phone", "cell", "cell phone", "手机", "手机号", "手机号码", "移动电话"),
        ),
        *ADDRESS,
        FieldSpec(
            "preferred_language", gettext_lazy("Preferred language"), ("language", "preferred language", "语言", "首选语言")
        ),
        FieldSpec(
            "date_of_birth", gettext_lazy("Date of birth"), ("birthday", "date of birth", "dob", "birth date", "生日", "出生日期")
        ),
        FieldSpec(
            "national_id", gettext_lazy("National ID number"), ("national id", "id number", "身份证", "身份证号", "身份证号码")
        ),
        *RECORD,
    )
    error_fields = {"emails": ("email", "email_2"), "phones": ("phone", "mobile"), "given_name": ("given_name", "full_name")}

    def unwritable_fields(self, actor: Any, keys: list[str]) -> list[str]:
        inputs = {"email": "emails", "email_2": "emails", "phone": "phones", "mobile": "phones", "full_name": "given_name"}
        return _unwritable(actor, Contact, {key: inputs.get(key, key) for key in keys})

    def check(self, values: Mapping[str, str]) -> None:
        if not (values.get("given_name") or values.get("family_name") or values.get("full_name")):
            raise RowRejected({"given_name": [_("The row has no name: fill in a given name, a family name or a full name.")]})

    def _names(self, values: Mapping[str, str]) -> dict[str, str]:
        given, family = split_full_name(values["full_name"]) if "full_name" in values else ("", "")
        names = {"given_name": values.get("given_name", given), "family_name": values.get("family_name", family)}
        return {key: value for key, value in names.items() if value}

    def _emails(self, values: Mapping[str, str]) -> list[dict[str, Any]]:
        return [{"address": values[key]} for key in ("email", "email_2") if key in values]

    def _phones(self, values: Mapping[str, str]) -> list[dict[str, Any]]:
        labels = (("phone", "work"), ("mobile", "mobile"))
        return [{"number": values[key], "label": label} for key, label in labels if key in values]

    def data(self, actor: Any, values: Mapping[str, str]) -> dict[str, Any]:
        data: dict[str, Any] = self._names(values)
        for key in ("job_title", "date_of_birth", "national_id"):
            if key in values:
                data[key] = values[key]
        if "preferred_language" in values:
            data["preferred_language"] = choice_value("language", values["preferred_language"])
        if "company" in values:
            data["company"] = self._company(actor, values["company"])
        data.update(_common(values))
        return data

    def _company(self, actor: Any, name: str) -> Any:
        found = selectors.companies_matching(actor, name=name, domain="")
        if found:
            return found[0]
        try:
            return actions.create_company(actor, {"name": name}).pk
        except ValidationError as exc:
            raise RowRejected({"company": [message for messages in exc.message_dict.values() for message in messages]}) from None

    def find_duplicates(self, actor: Any, values: Mapping[str, str]) -> list[Any]:
        emails = [values[key] for key in ("email", "email_2") if key in values]
        phones = [values[key] for key in ("phone", "mobile") if key in values]
        return selectors.contacts_matching(actor, emails=emails, phones=phones)

    def new_contact_data(self, actor: Any, values: Mapping[str, str], company: Any = None) -> dict[str, Any]:
        """The input of ``create_contact`` for a row (``company``: the id of the row's company, when found already)."""
        data = self.data(actor, {key: value for key, value in values.items() if key != "company" or company is None})
        if company is not None:
            data["company"] = company
        if emails := self._emails(values):
            data["emails"] = emails
        if phones := self._phones(values):
            data["phones"] = phones
        return data

    def create(self, actor: Any, values: Mapping[str, str]) -> Any:
        return actions.create_contact(actor, self.new_contact_data(actor, values))

    batch_rows = 500

    def import_batch(self, actor: Any, rows: Sequence[Mapping[str, str]], dedupe: str) -> list[Any] | None:
        from bastion.imports.adapters.contacts_bulk import import_contacts

        return import_contacts(self, actor, rows, dedupe)

    def linking_keys(self, values: Mapping[str, str]) -> list[str] | None:
        """Its emails and phones (a later row may be the earlier one's duplicate) and its company's name
        (the first row naming a new company creates it, the later ones find it)."""
        from bastion.imports.adapters.contacts_bulk import emails_of, phones_of

        company = query_key(values.get("company", ""))
        return [*(f"e:{key}" for key in emails_of(values)), *(f"p:{key}" for key in phones_of(values))] + (
            [f"c:{company}"] if company else []
        )

    def update(self, actor: Any, record_id: Any, values: Mapping[str, str]) -> Any:
        """The row's non-empty values replace the contact's; its emails and phones are added to theirs."""
        data = self.data(actor, values)
        contact = access_contact_by_id(actor, record_id, for_write=True)
        if emails := self._emails(values):
            data["emails"] = _merged(contact.emails.all(), "address", emails, key=str.casefold)
        if phones := self._phones(values):
            data["phones"] = _merged(contact.phones.all(), "number", phones, key=_digits)
        return actions.update_contact(actor, record_id, data)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _merged(existing: Iterable[Any], attribute: str, new: list[dict[str, Any]], *, key: Any) -> list[dict[str, Any]]:
    rows = [{attribute: str(getattr(row, attribute)), "label": row.label, "is_primary": row.is_primary} for row in existing]
    seen = {key(row[attribute]) for row in rows}
    rows.extend(row for row in new if key(row[attribute]) not in seen)
    return rows

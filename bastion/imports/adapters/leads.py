"""Leads, imported through bastion.sales.actions_leads (source "import"); duplicates are found by email
and phone through the blind index, among the leads the importer can see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.imports.adapters.base import Adapter, FieldSpec, RowRejected
from bastion.imports.adapters.directory import _unwritable, choice_value, split_full_name
from bastion.sales import actions_leads, selectors_leads
from bastion.sales.models import Lead, LeadSource, LeadStatus


class LeadAdapter(Adapter):
    key = "lead"
    label = gettext_lazy("Leads")
    fields = (
        FieldSpec(
            "full_name", gettext_lazy("Full name (split into given and family name)"), ("name", "full name", "姓名", "联系人")
        ),
        FieldSpec("given_name", gettext_lazy("Given name"), ("first name", "firstname", "given name", "名", "名字")),
        FieldSpec("family_name", gettext_lazy("Family name"), ("last name", "lastname", "surname", "family name", "姓", "姓氏")),
        FieldSpec(
            "company_name",
            gettext_lazy("Company"),
            ("company", "company name", "organisation", "organization", "公司", "公司名称"),
        ),
        FieldSpec("job_title", gettext_lazy("Job title"), ("title", "job title", "position", "职位", "职务")),
        FieldSpec("country", gettext_lazy("Country or region"), ("country", "region", "country or region", "国家", "地区")),
        FieldSpec("industry", gettext_lazy("Industry"), ("industry", "sector", "行业", "所属行业")),
        FieldSpec("email", gettext_lazy("Email"), ("email", "e-mail", "email address", "邮箱", "电子邮件")),
        FieldSpec("phone", gettext_lazy("Phone"), ("phone", "telephone", "mobile", "电话", "手机", "手机号")),
        FieldSpec("preferred_language", gettext_lazy("Preferred language"), ("language", "preferred language", "语言")),
        FieldSpec("status", gettext_lazy("Status (new, contacted, qualified, disqualified)"), ("status", "lead status", "状态")),
        FieldSpec("message", gettext_lazy("Message"), ("message", "notes", "comments", "留言", "备注")),
    )  # fmt: skip
    error_fields = {"given_name": ("given_name", "full_name"), "email": ("email",), "phone": ("phone",)}

    def unwritable_fields(self, actor: Any, keys: list[str]) -> list[str]:
        return _unwritable(actor, Lead, {key: "given_name" if key == "full_name" else key for key in keys})

    def check(self, values: Mapping[str, str]) -> None:
        if not (values.get("email") or values.get("phone")):
            raise RowRejected({"email": [_("The row has neither an email address nor a phone number.")]})

    def data(self, values: Mapping[str, str]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if "full_name" in values:
            data["given_name"], data["family_name"] = split_full_name(values["full_name"])
        for key in ("given_name", "family_name", "company_name", "job_title", "country", "email", "phone", "message"):
            if key in values:
                data[key] = values[key]
        if "preferred_language" in values:
            data["preferred_language"] = choice_value("language", values["preferred_language"])
        if "industry" in values:
            data["industry"] = choice_value("industry", values["industry"])
        if "status" in values:
            data["status"] = values["status"].strip().lower()
        return data

    def find_duplicates(self, actor: Any, values: Mapping[str, str]) -> list[Any]:
        ids = [
            *selectors_leads.lead_ids_with_email(values.get("email", "")),
            *selectors_leads.lead_ids_with_phone(values.get("phone", "")),
        ]
        if not ids:
            return []
        visible = selectors_leads.lead_queryset(actor).filter(pk__in=ids).exclude(status=LeadStatus.CONVERTED)
        return list(visible.order_by("pk").values_list("pk", flat=True))

    def create(self, actor: Any, values: Mapping[str, str]) -> Any:
        return actions_leads.create_lead(actor, self.data(values), source=LeadSource.IMPORT)

    def update(self, actor: Any, record_id: Any, values: Mapping[str, str]) -> Any:
        """The row's non-empty values replace the lead's."""
        return actions_leads.update_lead(actor, record_id, self.data(values))

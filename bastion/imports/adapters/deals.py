"""Deals, imported through bastion.sales.actions (create_deal/update_deal).

A row names other records, which are resolved before anything is written, among what the importer
can see: the pipeline by name, the stage by name within that pipeline (or the default one), the
owner by user name or email among the colleagues who can own records, the company by web domain or
name, the contact by email through the blind index. A name that resolves to nothing (or to several
records) rejects the row, naming the column and the value. Duplicates: a visible deal with the same
name (ignoring case and accents) and the same company.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.directory import selectors as directory
from bastion.directory.names import search_key
from bastion.imports import selectors
from bastion.imports.adapters.base import Adapter, FieldSpec, RowRejected
from bastion.sales import actions as deal_actions
from bastion.sales import selectors as sales
from bastion.sales.models import Pipeline, Stage

MONTHS = {name: n for n, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}  # fmt: skip
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_D_MON_Y = re.compile(r"(\d{1,2})[\s-]+([a-z]+)\.?[\s-]+(\d{4})")
_MON_D_Y = re.compile(r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")


def parse_date(text: str) -> dt.date:
    """ISO and common spreadsheet dates: 2026-03-05, 2026/3/5, 2026年3月5日, 5.3.2026, 5 Mar 2026, March 5, 2026,
    and 15/03/2026 or 03/15/2026 when the day is over 12 (3/4/2026 could be either: refused). ValueError if not."""
    text = " ".join(text.strip().lower().split())
    text = re.sub(r"[ t]\d{1,2}:\d{2}(:\d{2})?$", "", text)  # a time after the date, as spreadsheets export it
    if match := _YMD.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
        return dt.date(year, month, day)
    if match := _DMY.fullmatch(text):
        first, second, year = (int(part) for part in match.groups())
        day_first = first > 12 or "." in text  # 5.3.2026 is day first wherever dots are written
        if not day_first and second <= 12 and first != second:
            raise ValueError("ambiguous")
        day, month = (first, second) if day_first else (second, first)
        return dt.date(year, month, day)
    for pattern, order in ((_D_MON_Y, (0, 1)), (_MON_D_Y, (1, 0))):
        if match := pattern.fullmatch(text):
            groups = match.groups()
            return dt.date(int(groups[2]), MONTHS[groups[order[1]]], int(groups[order[0]]))
    raise ValueError(text)


def _problem(field: str, message: str) -> RowRejected:
    return RowRejected({field: [message]})


def _one(found: list[Any], field: str, value: str, what: str) -> Any:
    """The single record found for ``value``; RowRejected naming the value when there is none or several."""
    if not found:
        raise _problem(field, _("there is no %(what)s “%(value)s” that you can see.") % {"what": what, "value": value})
    if len(found) > 1:
        message = _("“%(value)s” matches %(count)d records (%(what)s); use a more precise value.")
        raise _problem(field, message % {"value": value, "count": len(found), "what": what})
    return found[0]


class DealAdapter(Adapter):
    key = "deal"
    label = gettext_lazy("Deals")
    fields = (
        FieldSpec(
            "name",
            gettext_lazy("Deal name"),
            ("deal", "deal name", "opportunity", "opportunity name", "title", "商机", "商机名称", "交易", "交易名称", "项目名称"),
        ),
        FieldSpec(
            "amount", gettext_lazy("Amount"), ("amount", "value", "deal value", "deal amount", "金额", "商机金额", "交易金额")
        ),
        FieldSpec("currency", gettext_lazy("Currency (three-letter code)"), ("currency", "currency code", "币种", "货币")),
        FieldSpec("pipeline", gettext_lazy("Pipeline (by name)"), ("pipeline", "sales pipeline", "销售管道", "管道", "销售流程")),
        FieldSpec(
            "stage", gettext_lazy("Stage (by name)"), ("stage", "deal stage", "sales stage", "阶段", "销售阶段", "商机阶段")
        ),
        FieldSpec(
            "expected_close_date",
            gettext_lazy("Expected close date"),
            ("close date", "expected close date", "expected close", "closing date", "预计成交日期", "预计结单日期", "成交日期"),
        ),
        FieldSpec(
            "owner",
            gettext_lazy("Owner (user name or email)"),
            ("owner", "deal owner", "assigned to", "sales rep", "负责人", "所有者", "销售代表"),
        ),
        FieldSpec(
            "company",
            gettext_lazy("Company (by web domain or name)"),
            (
                "company",
                "company name",
                "account",
                "account name",
                "organisation",
                "organization",
                "公司",
                "公司名称",
                "客户",
                "客户名称",
            ),
        ),
        FieldSpec(
            "contact", gettext_lazy("Contact (by email)"), ("contact", "contact email", "email", "联系人", "联系人邮箱", "邮箱")
        ),
        FieldSpec("lost_reason", gettext_lazy("Lost reason"), ("lost reason", "reason lost", "丢单原因", "输单原因")),
        FieldSpec("notes", gettext_lazy("Notes"), ("notes", "note", "comments", "description", "备注", "说明")),
    )
    error_fields = {"expected_close_date": ("expected_close_date",)}

    def check(self, values: Mapping[str, str]) -> None:
        if not values.get("name"):
            raise _problem("name", _("The deal name is empty."))

    def prepare(self, actor: Any, values: Mapping[str, str]) -> Mapping[str, Any]:
        """The row's values with pipeline, stage, owner, company and contact replaced by the records they name."""
        data: dict[str, Any] = {key: values[key] for key in ("name", "amount", "lost_reason", "notes") if key in values}
        if "currency" in values:
            data["currency"] = self._currency(values["currency"])
        if "expected_close_date" in values:
            data["expected_close_date"] = self._date(values["expected_close_date"])
        pipeline = self._pipeline(actor, values["pipeline"]) if "pipeline" in values else None
        if pipeline is not None:
            data["pipeline"] = pipeline
        if "stage" in values:
            data["stage"] = self._stage(actor, pipeline, values["stage"])
        if "owner" in values:
            data["owner"] = self._owner(values["owner"])
        if "company" in values:
            data["company"] = self._company(actor, values["company"])
        if "contact" in values:
            data["contact"] = self._contact(actor, values["contact"])
        return data

    def _currency(self, text: str) -> str:
        code = text.strip().upper()
        if code not in deal_actions.known_currencies():
            known = ", ".join(sorted(deal_actions.known_currencies()))
            message = _("unknown currency “%(value)s”; use one of: %(known)s.")
            raise _problem("currency", message % {"value": text, "known": known})
        return code

    def _date(self, text: str) -> dt.date:
        try:
            return parse_date(text)
        except (ValueError, KeyError):
            message = _("“%(value)s” is not a date this import can read without guessing; write it as YYYY-MM-DD.")
            raise _problem("expected_close_date", message % {"value": text}) from None

    def _pipeline(self, actor: Any, name: str) -> Pipeline:
        found = list(sales.pipeline_queryset(actor).filter(name__iexact=name.strip())[:2])
        return _one(found, "pipeline", name, _("pipeline"))

    def _stage(self, actor: Any, pipeline: Pipeline | None, name: str) -> Stage:
        pipeline = pipeline or sales.default_pipeline(actor)
        stages = sales.all_stages(actor).filter(name__iexact=name.strip())
        found = list(stages.filter(pipeline=pipeline)[:2]) if pipeline is not None else []
        if not found and pipeline is not None:
            message = _("the pipeline “%(pipeline)s” has no stage “%(value)s”.") % {"pipeline": pipeline.name, "value": name}
            raise _problem("stage", message)
        return _one(found, "stage", name, _("stage"))

    def _owner(self, text: str) -> int:
        wanted = text.strip()
        owners = directory.assignable_owners().filter(Q(username__iexact=wanted) | Q(email__iexact=wanted))
        found = list(owners.values_list("pk", flat=True)[:2])
        if len(found) != 1:
            raise _problem("owner", _("no active colleague who can own deals is called “%(value)s”.") % {"value": text})
        return int(found[0])

    def _company(self, actor: Any, text: str) -> Any:
        domain = text if "." in text and " " not in text.strip() else ""
        return _one(selectors.companies_matching(actor, name=text, domain=domain), "company", text, _("company"))

    def _contact(self, actor: Any, text: str) -> Any:
        ids = directory.contact_ids_with_email(text) if "@" in text else []
        found = sorted(directory.contact_queryset(actor).filter(id__in=ids).values_list("id", flat=True)) if ids else []
        return _one(found, "contact", text, _("contact with the email"))

    def find_duplicates(self, actor: Any, values: Mapping[str, Any]) -> list[Any]:
        same = sales.deal_queryset(actor).filter(name_key=search_key(values["name"]), company=values.get("company"))
        return list(same.order_by("pk").values_list("pk", flat=True)[:5])

    def create(self, actor: Any, values: Mapping[str, Any]) -> Any:
        return deal_actions.create_deal(actor, values)

    def update(self, actor: Any, record_id: Any, values: Mapping[str, Any]) -> Any:
        """The row's non-empty values replace the deal's (a new stage is a move, kept in its history)."""
        return deal_actions.update_deal(actor, record_id, values)

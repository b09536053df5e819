"""Products, imported through bastion.commerce.actions_products (administrators only, like the catalogue
pages); duplicates are products with the same SKU."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.commerce import actions_products, selectors
from bastion.commerce.access import can_manage_catalogue
from bastion.directory.names import search_key
from bastion.imports.adapters.base import Adapter, FieldSpec, RowRejected

YES = frozenset({"yes", "y", "true", "1", "active", "on", "是", "有效", "启用", "在售"})
NO = frozenset({"no", "n", "false", "0", "inactive", "off", "否", "无效", "停用", "停售"})


class ProductAdapter(Adapter):
    key = "product"
    label = gettext_lazy("Products")
    fields = (
        FieldSpec(
            "sku",
            gettext_lazy("SKU"),
            ("sku", "item code", "product code", "part number", "article number", "货号", "产品编号", "商品编码", "物料编码"),
        ),
        FieldSpec(
            "name",
            gettext_lazy("Product name"),
            ("name", "product", "product name", "item", "item name", "产品", "产品名称", "商品名称", "名称"),
        ),
        FieldSpec("description", gettext_lazy("Description"), ("description", "details", "notes", "描述", "说明", "产品描述")),
        FieldSpec("unit_price", gettext_lazy("Unit price"), ("price", "unit price", "list price", "单价", "价格", "售价")),
        FieldSpec("currency", gettext_lazy("Currency (three-letter code)"), ("currency", "currency code", "币种", "货币")),
        FieldSpec(
            "is_active",
            gettext_lazy("Active (yes or no)"),
            ("active", "is active", "status", "enabled", "状态", "是否有效", "启用"),
        ),
    )

    def may_import(self, actor: Any) -> bool:
        return can_manage_catalogue(actor)

    def check(self, values: Mapping[str, str]) -> None:
        if not values.get("name") and not values.get("sku"):
            raise RowRejected({"name": [_("The row has neither a product name nor a SKU.")]})

    def prepare(self, actor: Any, values: Mapping[str, str]) -> Mapping[str, Any]:
        data: dict[str, Any] = {key: values[key] for key in ("sku", "name", "description", "unit_price") if key in values}
        if "currency" in values:
            data["currency"] = values["currency"].strip().upper()
        if "is_active" in values:
            data["is_active"] = self._active(values["is_active"])
        return data

    def _active(self, text: str) -> bool:
        word = search_key(text)
        if word in YES or word in NO:
            return word in YES
        raise RowRejected({"is_active": [_("write yes or no, not “%(value)s”.") % {"value": text}]})

    def find_duplicates(self, actor: Any, values: Mapping[str, Any]) -> list[Any]:
        sku = str(values.get("sku", "")).strip()
        if not sku:
            return []
        return list(selectors.product_queryset(actor).filter(sku=sku).values_list("pk", flat=True)[:2])

    def create(self, actor: Any, values: Mapping[str, Any]) -> Any:
        if not values.get("name"):
            raise RowRejected({"name": [_("The product name is empty.")]})
        return actions_products.create_product(actor, values)

    def update(self, actor: Any, record_id: Any, values: Mapping[str, Any]) -> Any:
        """The row's non-empty values replace the product's."""
        return actions_products.update_product(actor, record_id, values)

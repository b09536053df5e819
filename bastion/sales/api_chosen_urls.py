"""API routes for chosen records (bastion.sales.api_chosen), included under /api/v1/ before the
record routes, so ``companies/change-owner/`` is not read as a company id."""

from django.urls import path

from bastion.sales.api_chosen import (
    ChangeOwnerView,
    DeleteChosenView,
    LeadStatusChosenView,
    MarkDoneView,
    MoveChosenView,
    OrderDeleteChosenView,
    OrderStatusChosenView,
    ProductActiveChosenView,
    ProductDeleteChosenView,
    TagChosenView,
)

# kind (the list's path) -> the API-token scope resource it needs
KINDS = {"companies": "company", "contacts": "contact", "leads": "lead", "deals": "deal", "activities": "activity"}
ORDER_SCOPE = "order"  # orders change status from their list, not owner
PRODUCT_SCOPE = "product"  # products are switched on and off from their list

urlpatterns = (
    [
        path(
            f"{kind}/change-owner/",
            ChangeOwnerView.as_view(kind=kind, token_resource=resource),
            name=f"api-{resource}-change-owner",
        )
        for kind, resource in KINDS.items()
    ]
    + [
        path(
            f"{kind}/delete/",
            DeleteChosenView.as_view(kind=kind, token_resource=KINDS[kind]),
            name=f"api-{KINDS[kind]}-delete-chosen",
        )
        for kind in ("companies", "contacts", "leads", "deals", "activities")
    ]
    + [
        path(f"{kind}/tags/", TagChosenView.as_view(kind=kind, token_resource=KINDS[kind]), name=f"api-{KINDS[kind]}-tags")
        for kind in ("companies", "contacts")
    ]
    + [
        path(
            "activities/done/",
            MarkDoneView.as_view(kind="activities", token_resource=KINDS["activities"]),
            name="api-activity-done-chosen",
        ),
        path("deals/move/", MoveChosenView.as_view(kind="deals", token_resource=KINDS["deals"]), name="api-deal-move-chosen"),
        path(
            "leads/status/",
            LeadStatusChosenView.as_view(kind="leads", token_resource=KINDS["leads"]),
            name="api-lead-status-chosen",
        ),
        path(
            "orders/status/",
            OrderStatusChosenView.as_view(kind="orders", token_resource=ORDER_SCOPE),
            name="api-order-status-chosen",
        ),
        path(
            "orders/delete/",
            OrderDeleteChosenView.as_view(kind="orders", token_resource=ORDER_SCOPE),
            name="api-order-delete-chosen",
        ),
        path(
            "products/delete/",
            ProductDeleteChosenView.as_view(kind="products", token_resource=PRODUCT_SCOPE),
            name="api-product-delete-chosen",
        ),
        path(
            "products/active/",
            ProductActiveChosenView.as_view(kind="products", token_resource=PRODUCT_SCOPE),
            name="api-product-active-chosen",
        ),
    ]
)

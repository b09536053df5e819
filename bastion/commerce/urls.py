"""HTML routes of commerce: the product catalogue and orders. Records are addressed by UUID."""

from django.urls import path

from bastion.commerce import views_export, views_orders, views_products

app_name = "commerce"
urlpatterns = [
    path("products/", views_products.product_list, name="product-list"),
    path("products/export.csv", views_export.product_export, name="product-export"),
    path("products/new/", views_products.product_create, name="product-create"),
    path("products/<uuid:product_id>/", views_products.product_detail, name="product-detail"),
    path("products/<uuid:product_id>/edit/", views_products.product_edit, name="product-edit"),
    path("products/<uuid:product_id>/delete/", views_products.product_delete, name="product-delete"),
    path("orders/", views_orders.order_list, name="order-list"),
    path("orders/export.csv", views_export.order_export, name="order-export"),
    path("orders/new/", views_orders.order_create, name="order-create"),
    path("orders/<uuid:order_id>/", views_orders.order_detail, name="order-detail"),
    path("orders/<uuid:order_id>/edit/", views_orders.order_edit, name="order-edit"),
    path("orders/<uuid:order_id>/status/", views_orders.order_status, name="order-status"),
    path("orders/<uuid:order_id>/delete/", views_orders.order_delete, name="order-delete"),
]

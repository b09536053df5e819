"""API routes of imports, included under /api/v1/ (route names ``api-import-*``)."""

from django.urls import path

from bastion.imports.api import ImportViewSet

urlpatterns = [
    path("imports/", ImportViewSet.as_view({"get": "list", "post": "create"}), name="api-import-list"),
    path("imports/<str:id>/", ImportViewSet.as_view({"get": "retrieve", "delete": "destroy"}), name="api-import-detail"),
    path("imports/<str:id>/start/", ImportViewSet.as_view({"post": "start"}), name="api-import-start"),
    path("imports/<str:id>/rejections/", ImportViewSet.as_view({"get": "rejections"}), name="api-import-rejections"),
]

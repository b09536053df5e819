"""API routes of the directory, included under /api/v1/ (route names ``api-company-*``, ``api-contact-*``).

Plain ``path()`` routes rather than a DRF router: the same ``{id}`` as the OpenAPI document, and
a malformed id still reaches the view, which answers with the API's JSON 404.
"""

from typing import Any

from django.urls import path

from bastion.directory.api import CompanyViewSet, ContactViewSet
from bastion.directory.views_export import CompanyExportView, ContactExportView
from bastion.directory.views_reveal import ContactRevealView

LIST: dict[str, Any] = {"get": "list", "post": "create"}
DETAIL: dict[str, Any] = {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("companies/", CompanyViewSet.as_view(LIST), name="api-company-list"),
    path("companies/export/", CompanyExportView.as_view(), name="api-company-export"),
    path("companies/<str:id>/", CompanyViewSet.as_view(DETAIL), name="api-company-detail"),
    path("contacts/", ContactViewSet.as_view(LIST), name="api-contact-list"),
    path("contacts/export/", ContactExportView.as_view(), name="api-contact-export"),
    path("contacts/<str:id>/", ContactViewSet.as_view(DETAIL), name="api-contact-detail"),
    path("contacts/<str:id>/reveal/", ContactRevealView.as_view(), name="api-contact-reveal"),
    path("contacts/<str:id>/erase/", ContactViewSet.as_view({"post": "erase"}), name="api-contact-erase"),
]

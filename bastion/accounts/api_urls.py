"""API routes of staff accounts, included by ``bastion/api_urls.py`` under ``/api/v1/``."""

from django.urls import URLPattern, path

from bastion.accounts.api import MeView

urlpatterns: list[URLPattern] = [
    path("me/", MeView.as_view(), name="api-me"),
]

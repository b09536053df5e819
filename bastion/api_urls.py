"""REST API v1: every domain registers its viewsets here; schema and docs for signed-in staff."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from bastion.kernel.api_docs import ApiDocsView

urlpatterns = [
    path("", include("bastion.sales.api_chosen_urls")),  # before the record routes: <kind>/change-owner/ is no record id
    path("", include("bastion.directory.api_urls")),
    path("", include("bastion.accounts.api_urls")),
    path("", include("bastion.imports.api_urls")),
    path("", include("bastion.sales.api_urls")),
    path("", include("bastion.commerce.api_urls")),
    path("", include("bastion.engagement.api_urls")),
    path("", include("bastion.kernel.alerts.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

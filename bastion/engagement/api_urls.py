"""API routes of engagement, included under /api/v1/ (route names ``api-interaction-*``, ``api-interest-*``)."""

from django.urls import path

from bastion.engagement.api import InteractionViewSet, InterestViewSet

urlpatterns = [
    path("interactions/", InteractionViewSet.as_view({"get": "list", "post": "create"}), name="api-interaction-list"),
    path("interests/", InterestViewSet.as_view({"get": "list"}), name="api-interest-list"),
]

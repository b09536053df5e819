"""API routes of the security alerts, included under /api/v1/ (route names ``api-security-alert-*``)."""

from django.urls import path

from bastion.kernel.alerts.api import SecurityAlertViewSet

urlpatterns = [
    path("security-alerts/", SecurityAlertViewSet.as_view({"get": "list"}), name="api-security-alert-list"),
    path("security-alerts/<str:id>/", SecurityAlertViewSet.as_view({"get": "retrieve"}), name="api-security-alert-detail"),
    path("security-alerts/<str:id>/close/", SecurityAlertViewSet.as_view({"post": "close"}), name="api-security-alert-close"),
]

"""Routes of the audit trail's pages, of the security alerts read from it and of the configuration audit."""

from django.urls import path

from bastion.kernel.alerts import views as alert_views
from bastion.kernel.audit import views
from bastion.kernel.configaudit import views as configuration_views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("export.csv", views.event_csv, name="event-csv"),
    path("alerts/", alert_views.alert_list, name="alert-list"),
    path("alerts/<uuid:alert_id>/", alert_views.alert_detail, name="alert-detail"),
    path("configuration/", configuration_views.configuration, name="configuration"),
]

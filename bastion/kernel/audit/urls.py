"""Routes of the audit trail's pages."""

from django.urls import path

from bastion.kernel.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("export.csv", views.event_csv, name="event-csv"),
]

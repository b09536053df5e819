"""HTML routes of imports. Jobs are addressed by UUID."""

from django.urls import path

from bastion.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.import_list, name="list"),
    path("imports/new/", views.import_new, name="new"),
    path("imports/<uuid:job_id>/", views.import_detail, name="detail"),
    path("imports/<uuid:job_id>/mapping/", views.import_mapping, name="mapping"),
    path("imports/<uuid:job_id>/progress/", views.import_progress, name="progress"),
    path("imports/<uuid:job_id>/rejected.csv", views.import_report, name="report"),
    path("imports/<uuid:job_id>/delete/", views.import_delete, name="delete"),
]

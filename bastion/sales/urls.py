"""HTML routes of sales. Records are addressed by UUID."""

from django.urls import path

from bastion.sales import views_activities, views_deals, views_export, views_lead_reveal, views_leads, views_scoring, views_setup

app_name = "sales"
urlpatterns = [
    path("deals/", views_deals.deal_list, name="deal-list"),
    path("deals/board/", views_deals.deal_board, name="deal-board"),
    path("deals/export.csv", views_export.deal_export, name="deal-export"),
    path("deals/new/", views_deals.deal_create, name="deal-create"),
    path("deals/<uuid:deal_id>/", views_deals.deal_detail, name="deal-detail"),
    path("deals/<uuid:deal_id>/edit/", views_deals.deal_edit, name="deal-edit"),
    path("deals/<uuid:deal_id>/move/", views_deals.deal_move, name="deal-move"),
    path("deals/<uuid:deal_id>/delete/", views_deals.deal_delete, name="deal-delete"),
    path("leads/", views_leads.lead_list, name="lead-list"),
    path("leads/new/", views_leads.lead_create, name="lead-create"),
    path("leads/export.csv", views_export.lead_export, name="lead-export"),
    path("leads/<uuid:lead_id>/", views_leads.lead_detail, name="lead-detail"),
    path("leads/<uuid:lead_id>/edit/", views_leads.lead_edit, name="lead-edit"),
    path("leads/<uuid:lead_id>/delete/", views_leads.lead_delete, name="lead-delete"),
    path("leads/<uuid:lead_id>/convert/", views_leads.lead_convert, name="lead-convert"),
    path("leads/<uuid:lead_id>/reveal/<slug:field>/", views_lead_reveal.lead_reveal, name="lead-reveal"),
    path("forms/lead/", views_leads.public_lead_form, name="lead-public-form"),
    path("my-day/", views_activities.my_day, name="my-day"),
    path("my-day/calendar.ics", views_activities.calendar_download, name="calendar-download"),
    path("activities/new/", views_activities.activity_create, name="activity-create"),
    path("activities/<uuid:activity_id>/edit/", views_activities.activity_edit, name="activity-edit"),
    path("activities/<uuid:activity_id>/done/", views_activities.activity_done, name="activity-done"),
    path("activities/<uuid:activity_id>/delete/", views_activities.activity_delete, name="activity-delete"),
    path("sales/setup/", views_setup.setup, name="setup"),
    path("sales/pipelines/new/", views_setup.pipeline_create, name="pipeline-create"),
    path("sales/pipelines/<uuid:pipeline_id>/edit/", views_setup.pipeline_edit, name="pipeline-edit"),
    path("sales/pipelines/<uuid:pipeline_id>/delete/", views_setup.pipeline_delete, name="pipeline-delete"),
    path("sales/pipelines/<uuid:pipeline_id>/stages/new/", views_setup.stage_create, name="stage-create"),
    path("sales/stages/<uuid:stage_id>/edit/", views_setup.stage_edit, name="stage-edit"),
    path("sales/stages/<uuid:stage_id>/delete/", views_setup.stage_delete, name="stage-delete"),
    path("sales/rates/", views_setup.rate_set, name="rate-set"),
    path("sales/lead-routing/", views_setup.lead_routing, name="lead-routing"),
    path("sales/scoring-rules/new/", views_scoring.rule_create, name="rule-create"),
    path("sales/scoring-rules/<uuid:rule_id>/edit/", views_scoring.rule_edit, name="rule-edit"),
    path("sales/scoring-rules/<uuid:rule_id>/delete/", views_scoring.rule_delete, name="rule-delete"),
    path("sales/rates/<str:currency>/delete/", views_setup.rate_delete, name="rate-delete"),
]

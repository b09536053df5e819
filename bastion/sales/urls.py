"""HTML routes of sales. Records are addressed by UUID."""

from django.urls import path

from bastion.sales import views_deals, views_setup

app_name = "sales"
urlpatterns = [
    path("deals/", views_deals.deal_list, name="deal-list"),
    path("deals/board/", views_deals.deal_board, name="deal-board"),
    path("deals/new/", views_deals.deal_create, name="deal-create"),
    path("deals/<uuid:deal_id>/", views_deals.deal_detail, name="deal-detail"),
    path("deals/<uuid:deal_id>/edit/", views_deals.deal_edit, name="deal-edit"),
    path("deals/<uuid:deal_id>/move/", views_deals.deal_move, name="deal-move"),
    path("deals/<uuid:deal_id>/delete/", views_deals.deal_delete, name="deal-delete"),
    path("sales/setup/", views_setup.setup, name="setup"),
    path("sales/pipelines/new/", views_setup.pipeline_create, name="pipeline-create"),
    path("sales/pipelines/<uuid:pipeline_id>/edit/", views_setup.pipeline_edit, name="pipeline-edit"),
    path("sales/pipelines/<uuid:pipeline_id>/delete/", views_setup.pipeline_delete, name="pipeline-delete"),
    path("sales/pipelines/<uuid:pipeline_id>/stages/new/", views_setup.stage_create, name="stage-create"),
    path("sales/stages/<uuid:stage_id>/edit/", views_setup.stage_edit, name="stage-edit"),
    path("sales/stages/<uuid:stage_id>/delete/", views_setup.stage_delete, name="stage-delete"),
    path("sales/rates/", views_setup.rate_set, name="rate-set"),
    path("sales/rates/<str:currency>/delete/", views_setup.rate_delete, name="rate-delete"),
]

"""Staff account pages: profile, API tokens, ending one session (the session list is allauth's)."""

from django.urls import path

from bastion.accounts import views, views_admin, views_staff

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/new/", views.token_create, name="token-create"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("sessions/<int:session_id>/end/", views.session_end, name="session-end"),
    path("access/record-defaults/", views_admin.record_defaults, name="record-defaults"),
    path("access/review/", views_staff.access_review, name="access-review"),
    path("access/review.csv", views_staff.access_review_csv, name="access-review-csv"),
    path("staff/", views_staff.staff_list, name="staff"),
    path("staff/new/", views_staff.staff_new, name="staff-new"),
    path("staff/<int:user_id>/", views_staff.staff_member, name="staff-member"),
    path("staff/<int:user_id>/one-time-password/", views_staff.staff_one_time_password, name="staff-one-time-password"),
    path("staff/<int:user_id>/disable/", views_staff.staff_disable, name="staff-disable"),
]

"""Staff account pages: profile, API tokens, ending one session (the session list is allauth's)."""

from django.urls import path

from bastion.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/new/", views.token_create, name="token-create"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("sessions/<int:session_id>/end/", views.session_end, name="session-end"),
]

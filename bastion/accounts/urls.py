"""Staff account pages: profile, sessions, API tokens."""

from django.urls import path

from bastion.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
]

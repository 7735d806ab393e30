"""Owner pages (api.md, "Pages"), mounted at the site root."""

from django.contrib.auth.views import LogoutView
from django.urls import path

from registry import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.OwnerLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("messages/", views.inbox, name="inbox"),
]

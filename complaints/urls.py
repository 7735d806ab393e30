"""Complaint pages, mounted at /complaints/ (app_name "complaints"): owners' filing, list and case page; the
handlers' work queue and case page."""

from django.urls import path

from complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.file, name="file"),
    path("<int:complaint_id>/", views.case, name="case"),
    path("queue/", views.queue, name="queue"),
    path("queue/<int:complaint_id>/", views.handle, name="handle"),
]

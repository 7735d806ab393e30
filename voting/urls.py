"""Owners' voting pages, mounted at /voting/ (app_name "voting")."""

from django.urls import path

from voting import views

app_name = "voting"
urlpatterns = [
    path("", views.assembly_list, name="list"),
    path("<int:assembly_id>/", views.notice, name="notice"),
    path("<int:assembly_id>/ballot/", views.ballot, name="ballot"),
    path("<int:assembly_id>/receipt/", views.receipt, name="receipt"),
    path("<int:assembly_id>/my-ballot/", views.my_ballot, name="my_ballot"),
    path("<int:assembly_id>/check/", views.check, name="check"),
    path("<int:assembly_id>/participation/", views.participation_list, name="participation"),
    path("<int:assembly_id>/results/", views.results, name="results"),
    path("<int:assembly_id>/certificate/", views.certificate, name="certificate"),
    path("<int:assembly_id>/certificate.xlsx", views.certificate_download, name="certificate_xlsx"),
]

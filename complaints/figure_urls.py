"""The officials' figures page, mounted at /complaints/figures/ (app_name "complaint_figures")."""

from django.urls import path

from complaints import figure_views

app_name = "complaint_figures"
urlpatterns = [
    path("", figure_views.figures_page, name="page"),
    path("export.xlsx", figure_views.figures_xlsx, name="xlsx"),
]

"""Disclosure pages, mounted at /disclosure/ (app_name "disclosure")."""

from django.urls import path

from disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("", views.compounds, name="compounds"),
    path("figures/", views.figures_page, name="figures"),
    path("record/<int:disclosure_id>/", views.record_page, name="record"),
    path("record/<int:disclosure_id>/print/", views.record_print, name="print"),
    path("record/<int:disclosure_id>/export.xlsx", views.record_xlsx, name="xlsx"),
    path("<str:code>/", views.compound_page, name="compound"),
]

"""The officials' overview, mounted at /overview/ (app_name "overview")."""

from django.urls import path

from overview import views

app_name = "overview"
urlpatterns = [
    path("", views.region_page, name="region"),
    path("export.xlsx", views.region_xlsx, name="xlsx"),
    path("search/", views.search_page, name="search"),
    path("map/", views.map_page, name="map"),
    path("compounds/<str:code>/", views.compound_page, name="compound"),
]

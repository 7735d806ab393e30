"""URL map: owner pages, staff admin, the REST API (api.md) and its OpenAPI schema, Open311 GeoReport v2."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.admin import guard_every_admin

admin.site.site_header = "共治 · 智慧物业管理平台"
admin.site.site_title = "共治"
admin.site.index_title = "工作台"
guard_every_admin(admin.site)

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script): no inline script under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("registry.api_urls")),
    path("api/v1/", include("voting.api_urls")),
    path("api/v1/", include("complaints.api_urls")),
    path("api/v1/", include("partybuilding.api_urls")),
    path("api/v1/", include("disclosure.api_urls")),
    path("open311/v2/", include("complaints.open311_urls")),
    path("voting/", include("voting.urls")),
    path("complaints/figures/", include("complaints.figure_urls")),
    path("overview/", include("overview.urls")),
    path("complaints/", include("complaints.urls")),
    path("party/", include("partybuilding.urls")),
    path("disclosure/", include("disclosure.urls")),
    path("", include("registry.urls")),
]

# MEDIA_ROOT is never served by URL, not even with DEBUG: photos and scans go out through views that check who
# asks (registry.photos.photo_response).

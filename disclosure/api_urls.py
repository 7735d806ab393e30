"""REST API of disclosure, mounted under /api/v1/ (api.md, "Disclosure")."""

from django.urls import path

from disclosure import apis

urlpatterns = [
    path(
        "compounds/<str:code>/disclosures/",
        apis.CompoundDisclosureListApi.as_view(),
        name="api-compound-disclosures",
    ),
    path("disclosures/", apis.DisclosureCreateApi.as_view(), name="api-disclosure-create"),
    path("disclosures/<int:id>/", apis.DisclosureDetailApi.as_view(), name="api-disclosure-detail"),
    path("disclosures/<int:id>/publish/", apis.DisclosurePublishApi.as_view(), name="api-disclosure-publish"),
    path(
        "disclosures/<int:id>/corrections/",
        apis.DisclosureCorrectionApi.as_view(),
        name="api-disclosure-corrections",
    ),
    path("disclosures/<int:id>/cosign/", apis.DisclosureCosignApi.as_view(), name="api-disclosure-cosign"),
    path(
        "disclosures/<int:id>/objections/",
        apis.DisclosureObjectionApi.as_view(),
        name="api-disclosure-objections",
    ),
    path("stats/disclosure/", apis.DisclosureStatsApi.as_view(), name="api-disclosure-stats"),
]

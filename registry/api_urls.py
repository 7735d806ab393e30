"""REST API of accounts and the registry, mounted under /api/v1/ (api.md)."""

from django.urls import path

from registry import apis

urlpatterns = [
    path("auth/token/", apis.AuthTokenCreateApi.as_view(), name="api-auth-token"),
    path("auth/logout/", apis.AuthLogoutApi.as_view(), name="api-auth-logout"),
    path("accounts/signup/", apis.OwnerSignupApi.as_view(), name="api-accounts-signup"),
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("compounds/", apis.CompoundListApi.as_view(), name="api-compound-list"),
    path("compounds/<str:code>/", apis.CompoundDetailApi.as_view(), name="api-compound-detail"),
    path("compounds/<str:code>/units/", apis.CompoundUnitListApi.as_view(), name="api-compound-unit-list"),
    path("units/<str:unit_number>/", apis.UnitDetailApi.as_view(), name="api-unit-detail"),
    path(
        "units/<str:unit_number>/designated-voter/",
        apis.UnitDesignatedVoterSetApi.as_view(),
        name="api-unit-designated-voter",
    ),
]

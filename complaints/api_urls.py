"""REST API of complaints, mounted under /api/v1/ (api.md, "Complaints")."""

from django.urls import path

from complaints import apis

urlpatterns = [
    path("complaint-categories/", apis.ComplaintCategoryListApi.as_view(), name="api-complaint-categories"),
    path("complaints/", apis.ComplaintListCreateApi.as_view(), name="api-complaint-list"),
    path("complaints/queue/", apis.ComplaintQueueApi.as_view(), name="api-complaint-queue"),
    path("complaints/<int:id>/", apis.ComplaintDetailApi.as_view(), name="api-complaint-detail"),
    path(
        "complaints/<int:id>/transitions/",
        apis.ComplaintTransitionApi.as_view(),
        name="api-complaint-transition",
    ),
    path(
        "complaints/<int:id>/photos/<str:sha256>/",
        apis.ComplaintPhotoApi.as_view(),
        name="api-complaint-photo",
    ),
    path(
        "complaints/<int:id>/return-visit/",
        apis.ComplaintReturnVisitApi.as_view(),
        name="api-complaint-visit",
    ),
    path(
        "complaints/<int:id>/clocks/<str:kind>/extend/",
        apis.ComplaintClockExtendApi.as_view(),
        name="api-complaint-clock-extend",
    ),
    path("stats/complaints/", apis.ComplaintStatsApi.as_view(), name="api-complaint-stats"),
    path(
        "complaints/<int:id>/complainant/",
        apis.ComplaintComplainantApi.as_view(),
        name="api-complaint-complainant",
    ),
    path("complaints/<int:id>/rating/", apis.ComplaintRatingApi.as_view(), name="api-complaint-rating"),
    path("complaints/<int:id>/publish/", apis.ComplaintPublishApi.as_view(), name="api-complaint-publish"),
]

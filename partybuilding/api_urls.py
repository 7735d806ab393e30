"""REST API of party building, mounted under /api/v1/ (api.md, "Party building")."""

from django.urls import path

from partybuilding import apis

urlpatterns = [
    path(
        "compounds/<str:code>/party-volunteers/",
        apis.CompoundVolunteerListApi.as_view(),
        name="api-party-volunteers",
    ),
    path(
        "compounds/<str:code>/party-status/",
        apis.CompoundPartyStatusApi.as_view(),
        name="api-party-compound-status",
    ),
    path(
        "party-volunteers/<int:id>/requests/",
        apis.VolunteerRequestCreateApi.as_view(),
        name="api-party-volunteer-request",
    ),
    path("party-requests/", apis.PartyRequestListApi.as_view(), name="api-party-requests"),
    path("party-requests/<int:id>/", apis.PartyRequestDetailApi.as_view(), name="api-party-request"),
    path(
        "party-requests/<int:id>/replies/",
        apis.PartyRequestReplyApi.as_view(),
        name="api-party-request-reply",
    ),
    path("party-tasks/", apis.PartyTaskListCreateApi.as_view(), name="api-party-tasks"),
    path("party-tasks/<int:id>/", apis.PartyTaskDetailApi.as_view(), name="api-party-task"),
    path("party-tasks/<int:id>/claim/", apis.PartyTaskClaimApi.as_view(), name="api-party-task-claim"),
    path(
        "party-tasks/<int:id>/complete/", apis.PartyTaskCompleteApi.as_view(), name="api-party-task-complete"
    ),
    path("party-tasks/<int:id>/confirm/", apis.PartyTaskConfirmApi.as_view(), name="api-party-task-confirm"),
    path(
        "party-tasks/<int:id>/photos/<str:sha256>/",
        apis.PartyTaskPhotoApi.as_view(),
        name="api-party-task-photo",
    ),
    path("party-meetings/", apis.PartyMeetingListCreateApi.as_view(), name="api-party-meetings"),
    path("party-meetings/<int:id>/", apis.PartyMeetingDetailApi.as_view(), name="api-party-meeting"),
    path(
        "party-follow-ups/<int:id>/done/",
        apis.PartyFollowUpDoneApi.as_view(),
        name="api-party-follow-up-done",
    ),
    path("stats/party-tasks/", apis.PartyTaskFiguresApi.as_view(), name="api-party-task-figures"),
    path("stats/party-coverage/", apis.PartyCoverageApi.as_view(), name="api-party-coverage"),
]

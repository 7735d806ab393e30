"""REST API of owners' assemblies, mounted under /api/v1/ (api.md, "Voting")."""

from django.urls import path

from voting import apis

urlpatterns = [
    path("assemblies/", apis.AssemblyListCreateApi.as_view(), name="api-assembly-list"),
    path("assemblies/<int:id>/", apis.AssemblyDetailApi.as_view(), name="api-assembly-detail"),
    path("assemblies/<int:id>/announce/", apis.AssemblyAnnounceApi.as_view(), name="api-assembly-announce"),
    path("assemblies/<int:id>/open/", apis.AssemblyOpenApi.as_view(), name="api-assembly-open"),
    path("assemblies/<int:id>/close/", apis.AssemblyCloseApi.as_view(), name="api-assembly-close"),
    path("assemblies/<int:id>/tally/", apis.AssemblyTallyApi.as_view(), name="api-assembly-tally"),
    path("assemblies/<int:id>/publish/", apis.AssemblyPublishApi.as_view(), name="api-assembly-publish"),
    path("assemblies/<int:id>/cancel/", apis.AssemblyCancelApi.as_view(), name="api-assembly-cancel"),
    path(
        "assemblies/<int:id>/reschedule/",
        apis.AssemblyRescheduleApi.as_view(),
        name="api-assembly-reschedule",
    ),
    path("assemblies/<int:id>/ballots/", apis.BallotCastApi.as_view(), name="api-assembly-ballots"),
    path(
        "assemblies/<int:id>/paper-ballots/",
        apis.PaperBallotEnterApi.as_view(),
        name="api-assembly-paper-ballots",
    ),
    path("assemblies/<int:id>/my-ballot/", apis.MyBallotApi.as_view(), name="api-assembly-my-ballot"),
    path(
        "assemblies/<int:id>/receipts/<str:receipt>/",
        apis.ReceiptCheckApi.as_view(),
        name="api-assembly-receipt",
    ),
    path(
        "assemblies/<int:id>/participation/",
        apis.ParticipationListApi.as_view(),
        name="api-assembly-participation",
    ),
    path("assemblies/<int:id>/results/", apis.AssemblyResultsApi.as_view(), name="api-assembly-results"),
    path("assemblies/<int:id>/audit/", apis.AuditLogApi.as_view(), name="api-assembly-audit"),
    path(
        "assemblies/<int:id>/subjects/<str:unit_number>/delivery/",
        apis.SubjectDeliveryApi.as_view(),
        name="api-assembly-subject-delivery",
    ),
    path("assemblies/<int:id>/proxies/", apis.ProxyMandateCreateApi.as_view(), name="api-assembly-proxies"),
]

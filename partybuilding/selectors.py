"""Reads of party building, scoped by partybuilding.permissions: the volunteers of a compound as owners see
them (only the fields each chose to show), request threads, tasks, task figures per member and organisation,
members and organisations for those who see membership data."""

from collections import defaultdict
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from partybuilding.labels import ShowField, TaskStatus
from partybuilding.models import (
    Decision,
    FollowUp,
    Meeting,
    Member,
    Organisation,
    RequestReply,
    Task,
    TaskPhoto,
    Volunteer,
    VolunteerRequest,
)
from partybuilding.permissions import (
    may_list_volunteers,
    meeting_visible_q,
    member_visible_q,
    organisation_visible_q,
    task_visible_q,
    volunteer_request_visible_q,
)
from registry.models import Compound, Ownership, Photo, User


def person_name(user: User) -> str:
    """The name the registry knows for an account: its owner, firm-staff or official record's, else the
    account's full name or username."""
    for relation in ("owner", "firm_staff"):
        record = getattr(user, relation, None)
        if record is not None and record.name:
            return str(record.name)
    return user.get_full_name() or user.get_username()


# --------------------------------------------------------------------------------- find a party member


def volunteer_list_for_compound(*, user: User, compound: Compound) -> list[dict[str, Any]]:
    """The active volunteers of a compound with only the fields each chose to show (name, building, skills,
    post) — never a phone. 404 unless `user` is an owner of the compound or an official over it. Three
    queries, whatever the number of volunteers."""
    if not may_list_volunteers(user=user, compound=compound):
        raise Http404
    volunteers = list(
        Volunteer.objects.filter(compounds=compound, active=True)
        .select_related("member__user__owner", "member__user__firm_staff")
        .prefetch_related("member__posts")
        .order_by("pk")
    )
    buildings: dict[int, list[str]] = defaultdict(list)
    for user_id, name in (
        Ownership.objects.filter(
            valid_to__isnull=True,
            unit__compound=compound,
            owner__user_id__in=[v.member.user_id for v in volunteers],
            unit__building__isnull=False,
        )
        .values_list("owner__user_id", "unit__building__name")
        .order_by("unit__building__number")
        .distinct()
    ):
        if name not in buildings[user_id]:
            buildings[user_id].append(name)
    return [_public(v, buildings[v.member.user_id]) for v in volunteers]


def _public(v: Volunteer, buildings: list[str]) -> dict[str, Any]:
    show = set(v.show)
    body: dict[str, Any] = {"id": v.pk, "show": [s for s in ShowField.values if s in show]}
    if ShowField.NAME in show:
        body["name"] = person_name(v.member.user)
    if ShowField.BUILDING in show:
        body["building"] = "、".join(buildings)
    if ShowField.SKILLS in show:
        body["skills"] = v.skills
    if ShowField.POST in show:
        body["posts"] = [p.title for p in v.member.posts.all()]
    return body


def volunteer_get_for_request(*, user: User, volunteer_id: int) -> tuple[Volunteer, Compound]:
    """The active volunteer and the compound the request is about (the first the volunteer serves among those
    `user` may list volunteers of); 404 when there is none."""
    volunteer = Volunteer.objects.filter(pk=volunteer_id, active=True).select_related("member__user").first()
    if volunteer is None:
        raise Http404
    for compound in volunteer.compounds.order_by("code"):
        if may_list_volunteers(user=user, compound=compound):
            return volunteer, compound
    raise Http404


def request_get_visible(*, user: User, request_id: int) -> VolunteerRequest:
    """One request with its replies (oldest first), to its requester and the volunteer; 404 otherwise."""
    request = (
        VolunteerRequest.objects.filter(volunteer_request_visible_q(user=user), pk=request_id)
        .select_related("volunteer__member__user", "compound", "requester")
        .prefetch_related(Prefetch("replies", queryset=RequestReply.objects.order_by("created_at", "pk")))
        .first()
    )
    if request is None:
        raise Http404
    return request


def request_list_visible(*, user: User) -> QuerySet[VolunteerRequest]:
    """The requests `user` sent or received, newest first, with their reply counts."""
    return (
        VolunteerRequest.objects.filter(volunteer_request_visible_q(user=user))
        .select_related("volunteer__member__user", "compound")
        .annotate(reply_count=Count("replies"))
        .order_by("-created_at", "-pk")
    )


# ---------------------------------------------------------------------------------------------- tasks


TASK_RELATED = ("compound", "claimer__organisation", "claimer__user")


def task_get_visible(*, user: User, task_id: int) -> Task:
    """One task, or 404 when it does not exist or `user` may not see it (the same answer)."""
    task = (
        Task.objects.filter(task_visible_q(user=user), pk=task_id)
        .select_related(*TASK_RELATED)
        .prefetch_related(Prefetch("photos", queryset=TaskPhoto.objects.select_related("photo")))
        .first()
    )
    if task is None:
        raise Http404
    return task


def task_list_visible(*, user: User, compound: Compound | None = None, status: str = "") -> QuerySet[Task]:
    """The tasks `user` sees, newest first; optionally of one compound and in one state."""
    tasks = Task.objects.filter(task_visible_q(user=user))
    if compound is not None:
        tasks = tasks.filter(compound=compound)
    if status:
        tasks = tasks.filter(status=status)
    return (
        tasks.select_related(*TASK_RELATED)
        .prefetch_related(Prefetch("photos", queryset=TaskPhoto.objects.select_related("photo")))
        .order_by("-created_at", "-pk")
    )


def task_photo_get(*, user: User, task_id: int, sha256: str) -> Photo:
    """A photo of a task `user` sees, by its hash; 404 otherwise."""
    task = task_get_visible(user=user, task_id=task_id)
    link = TaskPhoto.objects.filter(task=task, photo__sha256=sha256).select_related("photo").first()
    if link is None:
        raise Http404
    return link.photo


def _task_figures(path: str) -> dict[str, Any]:
    """Claimed, completed (or confirmed), confirmed tasks and the sum of ratings, through `path` to the tasks."""
    done = [TaskStatus.COMPLETED, TaskStatus.CONFIRMED]
    return {
        "claimed": Count(path),
        "completed": Count(path, filter=Q(**{f"{path}__status__in": done})),
        "confirmed": Count(path, filter=Q(**{f"{path}__status": TaskStatus.CONFIRMED})),
        "rating_sum": Sum(f"{path}__rating", default=0),
    }


def task_figures(*, user: User) -> dict[str, list[dict[str, Any]]]:
    """Claimed, completed and confirmed tasks and the sum of ratings (numerator of the mean rating over the
    confirmed ones) per member and per organisation, for the members and organisations `user` sees; two
    queries."""
    members = (
        Member.objects.filter(member_visible_q(user=user))
        .select_related("user__owner", "user__firm_staff", "organisation")
        .annotate(**_task_figures("claimed_tasks"))
        .order_by("organisation__code", "pk")
    )
    organisations = (
        Organisation.objects.filter(
            pk__in=Organisation.objects.filter(organisation_visible_q(user=user)).values("pk")
        )
        .annotate(**_task_figures("members__claimed_tasks"))
        .order_by("code")
    )
    fields = ["claimed", "completed", "confirmed", "rating_sum"]
    return {
        "members": [
            {"id": m.pk, "name": person_name(m.user), "organisation": m.organisation.code}
            | {f: getattr(m, f) for f in fields}
            for m in members
        ],
        "organisations": [
            {"code": o.code, "name": o.name} | {f: getattr(o, f) for f in fields} for o in organisations
        ],
    }


def member_list_visible(*, user: User) -> QuerySet[Member]:
    """Members whose full record `user` sees (themself, their secretary, officials over the area)."""
    return (
        Member.objects.filter(member_visible_q(user=user))
        .select_related("user__owner", "user__firm_staff", "organisation", "registered_community")
        .prefetch_related("posts")
        .order_by("organisation__code", "pk")
    )


def organisation_list_visible(*, user: User) -> QuerySet[Organisation]:
    """Organisations `user` sees, by code."""
    return Organisation.objects.filter(
        pk__in=Organisation.objects.filter(organisation_visible_q(user=user)).values("pk")
    ).order_by("code")


# -------------------------------------------------------------------------------------- joint meetings


MEETING_PREFETCH = (
    "participants",
    Prefetch(
        "decisions",
        queryset=Decision.objects.prefetch_related(
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("owner").order_by("due_on", "pk"))
        ).order_by("pk"),
    ),
)


def meeting_list_visible(*, user: User) -> QuerySet[Meeting]:
    """Joint meetings `user` sees (officials over the community, the recorder), newest first."""
    return (
        Meeting.objects.filter(meeting_visible_q(user=user))
        .select_related("community", "compound")
        .prefetch_related(*MEETING_PREFETCH)
        .order_by("-held_at", "-pk")
    )


def meeting_get_visible(*, user: User, meeting_id: int) -> Meeting:
    """One meeting with participants, decisions and follow-ups; 404 when missing or not visible."""
    meeting = meeting_list_visible(user=user).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    return meeting


def follow_up_get_visible(*, user: User, follow_up_id: int) -> FollowUp:
    """A follow-up item, to its owner and to those who see its meeting; 404 otherwise."""
    item = (
        FollowUp.objects.filter(
            Q(owner_id=user.pk if user.is_authenticated else None)
            | Q(decision__meeting__in=Meeting.objects.filter(meeting_visible_q(user=user)))
        )
        .select_related("decision__meeting__community", "owner")
        .filter(pk=follow_up_id)
        .first()
    )
    if item is None:
        raise Http404
    return item

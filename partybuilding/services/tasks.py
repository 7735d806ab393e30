"""Task claiming (党员认领办实事): open → claimed → completed → confirmed. Each move is one transaction with an
audit row; the claim is one conditional UPDATE, so of two members claiming at once exactly one wins; the
requester and the claimer hear of each move in-app (registry's delivery service) once it commits. Evidence
photos go through registry's one photo pipeline."""

from collections.abc import Sequence

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from partybuilding.labels import TaskStatus
from partybuilding.models import Task, TaskPhoto
from partybuilding.permissions import party_member, task_poster_role
from registry.models import Compound, Equipment, User
from registry.services.audit import audit_record
from registry.services.delivery import deliver
from registry.services.photos import photo_ingest


def _audit(actor: User, task: Task, verb: str, **data: object) -> None:
    audit_record(actor=actor, verb=f"party.task.{verb}", target=task, compound_id=task.compound_id, data=data)


def _tell(user: User, task: Task, title: str, event: str) -> None:
    transaction.on_commit(
        lambda: deliver(
            user=user,
            title=title,
            body=task.title,
            key=f"party.task.{task.pk}.{event}",
            link=f"/party/tasks/{task.pk}/",
        )
    )


def _invalid_transition(task: Task) -> WrongState:
    return WrongState(
        _("任务当前状态（%(status)s）不允许此操作。") % {"status": TaskStatus(task.status).label},
        code="invalid_transition",
        extra={"status": task.status},
    )


def task_post(
    *,
    actor: User,
    compound: Compound,
    title: str,
    description: str = "",
    complaint: object | None = None,
    equipment: Equipment | None = None,
) -> Task:
    """Post a need in a compound as its owner, a member of its committee or its community (officials over it);
    writes the task and an audit row. 403 for anyone else; `invalid_link` when a linked complaint or
    equipment item is of another compound."""
    role = task_poster_role(user=actor, compound=compound)
    if role is None:
        raise Forbidden(_("只有本小区业主、业主委员会和社区可以发布任务。"), code="forbidden")
    for name, linked in (("complaint", complaint), ("equipment", equipment)):
        if linked is not None and linked.compound_id != compound.pk:
            raise ApplicationError(
                _("关联的案件或设备须属于同一小区。"), code="invalid_link", extra={"field": f"links.{name}"}
            )
    if not title.strip():
        raise ApplicationError(_("请填写标题。"), code="invalid", extra={"field": "title"})
    with transaction.atomic():
        task = Task.objects.create(
            compound=compound,
            title=title.strip(),
            description=description.strip(),
            requester=actor,
            requester_role=role,
            complaint=complaint,
            equipment=equipment,
        )
        _audit(actor, task, "post", role=role)
    return task


def task_claim(*, actor: User, task: Task) -> Task:
    """A party member claims an open task: one conditional UPDATE (the first of two racing claims wins, the
    other gets `already_claimed`), an audit row, and the requester told on commit. 403 for a non-member."""
    member = party_member(actor)
    if member is None:
        raise Forbidden(_("只有党员可以认领任务。"), code="not_party_member")
    with transaction.atomic():
        now = timezone.now()
        won = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            status=TaskStatus.CLAIMED, claimer=member, claimed_at=now
        )
        task.refresh_from_db()
        if not won:
            if task.status == TaskStatus.CLAIMED:
                raise WrongState(_("该任务已被其他党员认领。"), code="already_claimed")
            raise _invalid_transition(task)
        _audit(actor, task, "claim")
        _tell(task.requester, task, _("您发布的任务已有党员认领"), "claimed")
    return task


def task_complete(*, actor: User, task: Task, report: str, photos: Sequence[File] = ()) -> Task:
    """The claimer reports completion with a text and up to COMPLAINT_MAX_PHOTOS photos (registry's photo
    pipeline); writes the task, its photos and an audit row, and tells the requester on commit. 403 for
    anyone but the claimer; 409 `invalid_transition` unless claimed; a refused photo refuses everything."""
    if not report.strip():
        raise ApplicationError(_("请填写完成情况。"), code="invalid", extra={"field": "report"})
    limit = settings.COMPLAINT_MAX_PHOTOS
    if len(photos) > limit:
        raise ApplicationError(
            _("最多上传 %(n)s 张照片。") % {"n": limit},
            code="too_many_photos",
            extra={"field": "photos", "limit": limit},
        )
    with transaction.atomic():
        task = Task.objects.select_for_update(of=("self",)).select_related("claimer").get(pk=task.pk)
        if task.claimer is None or task.claimer.user_id != actor.pk:
            raise Forbidden(_("只有认领该任务的党员可以提交完成情况。"), code="forbidden")
        if task.status != TaskStatus.CLAIMED:
            raise _invalid_transition(task)
        stored: list[int] = []
        for upload in photos:
            try:
                photo = photo_ingest(actor=actor, upload=upload)
            except ApplicationError as error:
                error.extra = {**(error.extra or {}), "field": "photos", "index": len(stored)}
                raise
            if photo.pk not in stored:
                stored.append(photo.pk)
        TaskPhoto.objects.bulk_create(
            TaskPhoto(task=task, photo_id=pk, position=i) for i, pk in enumerate(stored)
        )
        task.status, task.report, task.completed_at = TaskStatus.COMPLETED, report.strip(), timezone.now()
        task.save(update_fields=["status", "report", "completed_at"])
        _audit(actor, task, "complete", photos=len(stored))
        _tell(task.requester, task, _("党员已完成您发布的任务，请确认"), "completed")
    return task


def task_confirm(*, actor: User, task: Task, rating: int, note: str = "") -> Task:
    """The requester confirms a completed task with a rating of 1–5 and a note; writes the task and an audit
    row, and tells the claimer on commit. 403 for anyone but the requester; 409 unless completed."""
    if not 1 <= rating <= 5:
        raise ApplicationError(_("评分须为 1 到 5。"), code="invalid", extra={"field": "rating"})
    with transaction.atomic():
        task = Task.objects.select_for_update(of=("self",)).select_related("claimer__user").get(pk=task.pk)
        if task.requester_id != actor.pk:
            raise Forbidden(_("只有发布人可以确认任务。"), code="forbidden")
        if task.status != TaskStatus.COMPLETED:
            raise _invalid_transition(task)
        task.status, task.rating, task.note, task.confirmed_at = (
            TaskStatus.CONFIRMED,
            rating,
            note.strip(),
            timezone.now(),
        )
        task.save(update_fields=["status", "rating", "note", "confirmed_at"])
        _audit(actor, task, "confirm", rating=rating)
        _tell(task.claimer.user, task, _("发布人已确认您完成的任务"), "confirmed")
    return task

"""Every write to a case: filing (with routing), workflow moves, escalation and the complainant's rating. One
transaction each, the row locked, an event in the timeline in the same transaction (STYLE.md)."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.labels import About, EventKind, Kind, Role, Satisfaction, Severity, Status, Tier
from complaints.models import Category, Complaint, ComplaintEvent, ComplaintPhoto, Open311Key, RoutingRule
from complaints.permissions import may_file_in, may_publish, roles_in
from complaints.rules import BOUNCES_BEFORE_ESCALATION, at_least, move_for, roles_allowed, tier_above
from complaints.services.clocks import clocks_refresh, clocks_start
from complaints.services.notifications import complaint_notify_later
from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import Building, Compound, Equipment, Unit, User
from registry.permissions import jurisdiction
from registry.services.audit import audit_record
from registry.services.photos import photo_ingest

# 小事找管家、一般事找业委会、大事找街道: the tier when the routing table has no row.
DEFAULT_TIER = {Severity.MINOR: Tier.BUTLER, Severity.GENERAL: Tier.COMMITTEE, Severity.MAJOR: Tier.STREET}
UNSATISFIED_ROUNDS_BEFORE_ESCALATION = 2


@dataclass(frozen=True)
class Location:
    unit_number: str = ""
    building: str = ""  # the building's 4-digit number
    area: str = ""  # a named common area
    equipment: str = ""  # a facility's code in the registry (its lift, pump, gate…)


def route(*, category: Category, severity: str, about: str) -> str:
    """The first tier: the routing table (category × severity), then the rules that skip the party complained
    about — about the firm: not the butler; about a committee member: the street office."""
    rule = (
        RoutingRule.objects.filter(category=category, severity=severity)
        .values_list("tier", flat=True)
        .first()
    )
    tier = rule or DEFAULT_TIER[Severity(severity)]
    if about == About.FIRM:
        tier = at_least(tier, Tier.COMMITTEE)
    if about == About.COMMITTEE:
        tier = Tier.STREET
    return tier


def _event(
    complaint: Complaint,
    *,
    actor: User | None,
    role: str,
    kind: str,
    source: str = "",
    target: str = "",
    public: bool = True,
    text: str = "",
    data: dict[str, Any] | None = None,
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        at=timezone.now(),
        actor=actor,
        role=role,
        kind=kind,
        from_status=source,
        to_status=target,
        tier=complaint.tier,
        public=public,
        text=text,
        data=data or {},
    )


def _acting_role(complaint: Complaint, roles: set[str]) -> str:
    """The role written in the timeline: the street office, the firm's butler, the committee, the complainant."""
    if "supervisor" in roles:
        return Role.OFFICIAL
    if "handler" in roles and complaint.tier == Tier.BUTLER:
        return Role.FIRM
    if roles & {"handler", "reviewer"}:
        return Role.COMMITTEE
    return Role.COMPLAINANT if "complainant" in roles else Role.SYSTEM


def complaint_file(
    *,
    actor: User,
    compound: Compound,
    kind: str,
    category_code: str,
    description: str,
    about: str = About.OTHER,
    location: Location | None = None,
    allow_home_visit: bool = False,
    photos: Sequence[File] = (),
) -> Complaint:
    """File a case as an owner of the compound, routed by the table, with up to COMPLAINT_MAX_PHOTOS photos
    (registry's photo pipeline); writes the `filed` event and starts the clocks. A refused photo refuses the
    case: nothing is filed."""
    if not may_file_in(user=actor, compound_id=compound.pk):
        raise Forbidden(_("只有本小区的业主可以提交。"), code="not_an_owner")
    category = Category.objects.filter(code=category_code, active=True).first()
    if category is None:
        raise ApplicationError(
            _("没有这个类别：%(code)s。") % {"code": category_code},
            code="invalid_category",
            extra={"field": "category"},
        )
    if kind not in category.kinds:
        raise ApplicationError(
            _("类别“%(name)s”不适用于%(kind)s。") % {"name": category.name, "kind": Kind(kind).label},
            code="invalid_category",
            extra={"field": "kind", "allowed": list(category.kinds)},
        )
    description = (description or "").strip()
    if not description:
        raise ApplicationError(
            _("请描述问题。"), code="invalid", extra={"fields": {"description": ["required"]}}
        )
    location = location or Location()
    unit = building = equipment = None
    if location.equipment:
        equipment = Equipment.objects.filter(code=location.equipment, compound=compound).first()
        if equipment is None:
            raise ApplicationError(
                _("本小区没有这台设施设备：%(code)s。") % {"code": location.equipment},
                code="unknown_equipment",
                extra={"field": "location.equipment"},
            )
    if location.unit_number:
        unit = Unit.objects.filter(unit_number=location.unit_number, compound=compound).first()
        if unit is None or unit.pk not in jurisdiction(actor).owned_units:
            raise ApplicationError(
                _("只能选择您本人在本小区的房屋。"),
                code="unit_not_yours",
                extra={"field": "location.unit_number"},
            )
        building = unit.building
    elif equipment is not None and equipment.building_id is not None:
        building = equipment.building
    elif location.building:
        building = Building.objects.filter(compound=compound, number=location.building).first()
        if building is None:
            raise ApplicationError(
                _("本小区没有这栋楼：%(b)s。") % {"b": location.building},
                code="unknown_building",
                extra={"field": "location.building"},
            )
    if len(photos) > settings.COMPLAINT_MAX_PHOTOS:
        raise ApplicationError(
            _("最多上传 %(n)s 张照片。") % {"n": settings.COMPLAINT_MAX_PHOTOS},
            code="too_many_photos",
            extra={"field": "photos", "limit": settings.COMPLAINT_MAX_PHOTOS},
        )
    severity = category.default_severity
    tier = route(category=category, severity=severity, about=about)
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            compound=compound,
            complainant=actor,
            kind=kind,
            category=category,
            about=about,
            severity=severity,
            first_tier=tier,
            tier=tier,
            description=description,
            unit=unit,
            building=building,
            area=location.area.strip()[:64],
            equipment=equipment,
            allow_home_visit=allow_home_visit,
            submitted_at=now,
            updated_at=now,
        )
        stored: list[int] = []
        for upload in photos:
            try:
                photo = photo_ingest(actor=actor, upload=upload)
            except ApplicationError as error:
                error.extra = {**(error.extra or {}), "field": "photos", "index": len(stored)}
                raise
            if photo.pk not in stored:
                stored.append(photo.pk)
        ComplaintPhoto.objects.bulk_create(
            [
                ComplaintPhoto(complaint=complaint, photo_id=pk, position=i)
                for i, pk in enumerate(stored, start=1)
            ]
        )
        _event(complaint, actor=actor, role=Role.COMPLAINANT, kind=EventKind.FILED, target=Status.SUBMITTED)
        clocks_start(case=complaint)
        complaint_notify_later(complaint_id=complaint.pk)
    return complaint


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _escalate(complaint: Complaint, *, why: str) -> None:
    """Raise the case one tier (the street office is the top) and log it; clocks keep running."""
    above = tier_above(complaint.tier)
    if above == complaint.tier:
        return
    complaint.tier = above
    complaint.escalations += 1
    _event(complaint, actor=None, role=Role.SYSTEM, kind=EventKind.ESCALATION, text=why)


def complaint_transition(
    *,
    actor: User,
    complaint: Complaint,
    to: str,
    note: str = "",
    public: bool = True,
    merged_into: Complaint | None = None,
) -> Complaint:
    """Move the case along the workflow (complaints.rules) if `actor` holds a role the move needs; refusals
    change nothing (409 `invalid_transition`, 403 `forbidden`, 400 `note_required` / `invalid_merge`)."""
    with transaction.atomic():
        case = _locked(complaint)
        source = case.status
        move = move_for(source=source, target=to)
        if move is None:
            raise WrongState(
                _("案件当前为“%(s)s”，不能变为“%(t)s”。")
                % {"s": Status(source).label, "t": Status(to).label if to in Status.values else to},
                code="invalid_transition",
                extra={"from": source, "to": to},
            )
        roles = roles_in(user=actor, complaint=case)
        allowed = roles_allowed(move=move, source=source, roles=roles)
        if not allowed:
            raise Forbidden(_("您不能进行这一步操作。"), code="forbidden")
        note = (note or "").strip()
        if move.needs_note and not note:
            raise ApplicationError(_("请填写说明。"), code="note_required", extra={"field": "note"})
        if to == Status.MERGED:
            if (
                merged_into is None
                or merged_into.pk == case.pk
                or merged_into.compound_id != case.compound_id
                or merged_into.status
                not in (Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)
            ):
                raise ApplicationError(
                    _("请选择本小区一件未办结的案件作为合并目标。"),
                    code="invalid_merge",
                    extra={"field": "merged_into"},
                )
            case.merged_into = merged_into
        complainant_only = allowed == {"complainant"}
        role = Role.COMPLAINANT if complainant_only else _acting_role(case, roles)
        case.status = to
        if source == Status.CLOSED:  # rework: a new round, the old rating stays in the timeline
            case.round += 1
            case.satisfaction, case.solved = "", None
        if source == Status.REJECTED:  # appeal: one tier up
            case.tier = tier_above(case.tier)
        _event(
            case,
            actor=actor,
            role=role,
            kind=EventKind.TRANSITION,
            source=source,
            target=to,
            public=True if complainant_only else public,
            text=note,
        )
        if to == Status.RETURNED:
            case.bounces += 1
            if case.bounces >= BOUNCES_BEFORE_ESCALATION:
                case.bounces = 0
                _escalate(case, why=_("两次退单，自动升级"))
        case.updated_at = timezone.now()
        case.save()
        clocks_refresh(case=case, now=case.updated_at)
        complaint_notify_later(complaint_id=case.pk)  # a new state: who must hear of it
    return case


def complaint_return_visit(*, actor: User, complaint: Complaint, note: str) -> Complaint:
    """The street office's return visit (回访) to the complainant of a closed case; stops its clock."""
    with transaction.atomic():
        case = _locked(complaint)
        if "supervisor" not in roles_in(user=actor, complaint=case):
            raise Forbidden(_("回访由街道工作人员登记。"), code="forbidden")
        if case.status not in (Status.CLOSED, Status.CLOSED_UNRATED):
            raise WrongState(
                _("案件结案后才能回访。"), code="invalid_transition", extra={"from": case.status}
            )
        note = (note or "").strip()
        if not note:
            raise ApplicationError(_("请填写回访情况。"), code="note_required", extra={"field": "note"})
        _event(case, actor=actor, role=Role.OFFICIAL, kind=EventKind.RETURN_VISIT, public=False, text=note)
        case.updated_at, case.visited = timezone.now(), True
        case.save(update_fields=["updated_at", "visited"])
        clocks_refresh(case=case, now=case.updated_at)
    return case


def complaint_rate(
    *, actor: User, complaint: Complaint, satisfaction: str, solved: bool, note: str = ""
) -> Complaint:
    """The complainant's rating of a verified result; closes the case. A second unsatisfied round raises the
    case one tier, so that rework goes to the next level."""
    with transaction.atomic():
        case = _locked(complaint)
        if case.complainant_id != actor.pk:
            raise Forbidden(_("只有投诉人可以评价。"), code="forbidden")
        if case.status != Status.VERIFIED:
            raise WrongState(
                _("案件核查后才能评价。"), code="invalid_transition", extra={"from": case.status}
            )
        if satisfaction not in Satisfaction.values:
            raise ApplicationError(
                _("请选择满意、基本满意或不满意。"),
                code="invalid",
                extra={"fields": {"satisfaction": ["invalid"]}},
            )
        case.status, case.satisfaction, case.solved = Status.CLOSED, satisfaction, solved
        _event(
            case,
            actor=actor,
            role=Role.COMPLAINANT,
            kind=EventKind.RATING,
            source=Status.VERIFIED,
            target=Status.CLOSED,
            text=note.strip(),
            data={"satisfaction": satisfaction, "solved": solved, "round": case.round},
        )
        if satisfaction == Satisfaction.UNSATISFIED:
            unsatisfied = ComplaintEvent.objects.filter(
                complaint=case, kind=EventKind.RATING, data__satisfaction=Satisfaction.UNSATISFIED
            ).count()
            if unsatisfied >= UNSATISFIED_ROUNDS_BEFORE_ESCALATION:
                _escalate(case, why=_("两轮不满意，自动升级"))
        case.updated_at = timezone.now()
        case.save()
        clocks_refresh(case=case, now=case.updated_at)
        complaint_notify_later(complaint_id=case.pk)  # a new state: who must hear of it
    return case


def complaint_publish(*, actor: User, complaint: Complaint, public: bool = True) -> Complaint:
    """Moderation by the street office: show a snap-report about a public area to everyone (Open311), or
    withdraw it; writes a `moderated` event. Complaints and reports about a flat stay private (400)."""
    with transaction.atomic():
        case = _locked(complaint)
        if not may_publish(user=actor, complaint=case):
            raise Forbidden(_("只有街道（社区）可以审核公开。"), code="forbidden")
        if public and (case.kind != Kind.SNAP or case.unit_id is not None):
            raise ApplicationError(
                _("只有关于公共区域的随手拍可以公开。"), code="not_publishable", extra={"kind": case.kind}
            )
        if case.public == public:
            return case
        case.public = public
        _event(
            case,
            actor=actor,
            role=Role.OFFICIAL,
            kind=EventKind.MODERATED,
            text=_("已审核公开") if public else _("已撤回公开"),
            data={"public": public},
        )
        case.updated_at = timezone.now()
        case.save()
    return case


def open311_key_create(*, user: User, name: str, actor: User | None = None) -> tuple[Open311Key, str]:
    """A new Open311 `api_key` that files as `user`, with its audit row; returns the row and the key, which is
    shown only once (only its hash is stored)."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("请填写名称。"), code="invalid", extra={"fields": {"name": ["required"]}})
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        row = Open311Key.objects.create(key_hash=Open311Key.digest(key), name=name[:64], user=user)
        audit_record(
            actor=actor, verb="open311_key.create", target=row, data={"user": user.pk, "name": row.name}
        )
    return row, key


def complaint_complainant_reveal(*, actor: User, complaint: Complaint, reason: str) -> dict[str, str]:
    """The complainant's name, account and phone for the street office over the compound, with a reason; every
    look is an audit row (its reason, never the phone). Firms and committees never receive them."""
    from registry.models import Owner

    with transaction.atomic():
        case = _locked(complaint)
        if "supervisor" not in roles_in(user=actor, complaint=case):
            raise Forbidden(_("只有街道（社区）工作人员可以查看投诉人身份。"), code="forbidden")
        reason = (reason or "").strip()
        if not reason:
            raise ApplicationError(
                _("请填写查看投诉人身份的理由。"), code="reason_required", extra={"field": "reason"}
            )
        owner = Owner.objects.filter(user_id=case.complainant_id).only("name", "phone").first()
        audit_record(
            actor=actor,
            verb="complaint.complainant_view",
            target=case,
            data={"reason": reason[:500]},
            compound_id=case.compound_id,
        )
    return {
        "username": case.complainant.username,
        "name": owner.name if owner else "",
        "phone": owner.phone if owner else "",
    }


def complaint_payload_location(data: dict[str, Any] | None) -> Location:
    """The API's `location` object as a Location (unknown keys ignored)."""
    data = data or {}
    return Location(
        unit_number=str(data.get("unit_number") or "").strip().upper(),
        building=str(data.get("building") or "").strip(),
        area=str(data.get("area") or "").strip(),
        equipment=str(data.get("equipment") or "").strip(),
    )

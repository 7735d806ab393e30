"""Writes of disclosure records: draft, change or delete a draft, publish, correct, co-sign, object. One
transaction each, the row locked, an audit row in the same transaction (STYLE.md). A published record is never
changed here (WrongState `immutable`), and PostgreSQL refuses it anyway (migration 0001)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.labels import About
from complaints.labels import Kind as ComplaintKind
from complaints.models import Complaint
from complaints.services.cases import complaint_file
from config.errors import ApplicationError, Forbidden, WrongState
from disclosure.content import Parsed, content_hash, content_parse, mismatch, money
from disclosure.labels import PERIODIC_KINDS, ROLLING_KINDS, Kind, Status
from disclosure.models import PERIOD_PATTERN, Cosign, Disclosure, StatementLine
from disclosure.permissions import may_cosign, may_edit, may_object
from disclosure.selectors import fee_cap_for, previous_published
from registry.models import Compound, User
from registry.selectors import committee_current
from registry.services.audit import audit_record

# The complaint category an objection is filed under, by the kind of record objected to.
OBJECTION_CATEGORY = {
    Kind.OPERATING_STATEMENT: "public_revenue",
    Kind.MAINTENANCE_FUND: "public_revenue",
    Kind.FEE_STANDARD: "fees",
    Kind.SERVICE_ITEMS: "service",
}


def _immutable(d: Disclosure) -> WrongState:
    return WrongState(
        _("已公布的记录不可修改或删除；如有错误，请提交更正。"),
        code="immutable",
        extra={"id": d.pk, "status": d.status},
    )


def _check_period(kind: str, period: str, *, now: dt.datetime | None = None) -> str:
    import re

    period = (period or "").strip()
    if kind in PERIODIC_KINDS and not period:
        raise ApplicationError(_("请填写所属月份（YYYY-MM）。"), code="invalid", extra={"field": "period"})
    if period and not re.match(PERIOD_PATTERN, period):
        raise ApplicationError(_("所属月份格式为 YYYY-MM。"), code="invalid", extra={"field": "period"})
    if period and period > f"{timezone.localtime(now or timezone.now()):%Y-%m}":
        raise ApplicationError(_("所属月份不能晚于本月。"), code="invalid", extra={"field": "period"})
    return period


def _check_motions(compound: Compound, parsed: Parsed) -> None:
    from voting.models import Motion

    for field, motion in parsed.motions:
        if not Motion.objects.filter(pk=motion, assembly__compound=compound).exists():
            raise ApplicationError(
                _("本小区没有这个表决事项：%(id)s。") % {"id": motion},
                code="unknown_motion",
                extra={"field": field},
            )


def _check_caps(parsed: Parsed) -> None:
    for field, use, grade, price in parsed.fees:
        cap = fee_cap_for(use=use, grade=grade)
        if cap is not None and price > cap.cap:
            raise ApplicationError(
                _("收费标准 %(price)s 元/㎡·月 超过该等级的政府指导价上限 %(cap)s。")
                % {"price": money(price), "cap": money(cap.cap)},
                code="above_cap",
                extra={
                    "field": field,
                    "cap": money(cap.cap),
                    "given": money(price),
                    "use": use,
                    "grade": grade,
                },
            )


def _check_rolled_forward(compound: Compound, kind: str, period: str, parsed: Parsed) -> None:
    if kind not in ROLLING_KINDS or parsed.opening is None:
        return
    previous = previous_published(compound_id=compound.pk, kind=kind, period=period)
    if previous is not None and previous.closing_balance != parsed.opening:
        raise mismatch(
            "not_rolled_forward",
            "opening_balance",
            expected=previous.closing_balance,
            given=parsed.opening,
            previous={"id": previous.pk, "period": previous.period},
        )


def disclosure_validate(*, compound: Compound, kind: str, period: str, data: Any) -> tuple[str, Parsed]:
    """Every rule of a record's content (disclosure.content), then those that read the database: motions of
    this compound, the guidance cap, the roll-forward from the last published month. No writes."""
    if kind not in Kind.values:
        raise ApplicationError(
            _("没有这种公开类型。"), code="invalid", extra={"field": "kind", "allowed": list(Kind.values)}
        )
    period = _check_period(kind, period)
    parsed = content_parse(kind=kind, data=data)
    _check_motions(compound, parsed)
    _check_caps(parsed)
    _check_rolled_forward(compound, kind, period, parsed)
    return period, parsed


def _write_lines(d: Disclosure, parsed: Parsed) -> None:
    StatementLine.objects.filter(disclosure=d).delete()
    StatementLine.objects.bulk_create(
        StatementLine(disclosure=d, position=i, **line) for i, line in enumerate(parsed.lines, start=1)
    )


def _apply(d: Disclosure, period: str, parsed: Parsed) -> None:
    d.period = period
    d.content = parsed.content
    d.opening_balance = parsed.opening
    d.closing_balance = parsed.closing


def _already_published(compound: Compound, kind: str, period: str) -> Disclosure | None:
    if not period:
        return None
    return Disclosure.objects.filter(
        compound=compound, kind=kind, period=period, status=Status.PUBLISHED
    ).first()


def _refuse_second_original(compound: Compound, kind: str, period: str) -> None:
    existing = _already_published(compound, kind, period)
    if existing is not None:
        raise WrongState(
            _("该月份已有公布的记录（第 %(id)s 号）；如有错误，请提交更正。") % {"id": existing.pk},
            code="already_published",
            extra={"field": "period", "id": existing.pk},
        )


def disclosure_create(*, actor: User, compound: Compound, kind: str, period: str, data: Any) -> Disclosure:
    """A new draft by the firm serving the compound (or platform staff), its content checked against every
    rule; writes the record, its lines and an audit row."""
    if not may_edit(user=actor, disclosure=Disclosure(compound=compound)):
        raise Forbidden(_("只有为本小区服务的物业企业可以填报。"), code="forbidden")
    period, parsed = disclosure_validate(compound=compound, kind=kind, period=period, data=data)
    _refuse_second_original(compound, kind, period)
    with transaction.atomic():
        d = Disclosure(compound=compound, kind=kind, author=actor, firm_id=compound.property_firm_id)
        _apply(d, period, parsed)
        d.save()
        _write_lines(d, parsed)
        audit_record(
            actor=actor,
            verb="disclosure.create",
            target=d,
            compound_id=compound.pk,
            data={"kind": kind, "period": period},
        )
    return d


def _locked(d: Disclosure) -> Disclosure:
    return Disclosure.objects.select_for_update().select_related("compound").get(pk=d.pk)


def disclosure_update(
    *, actor: User, disclosure: Disclosure, data: Any, period: str | None = None
) -> Disclosure:
    """Change a draft's content (and month), checked again; a published record: WrongState `immutable`."""
    if not may_edit(user=actor, disclosure=disclosure):
        raise Forbidden(_("只有为本小区服务的物业企业可以修改草稿。"), code="forbidden")
    with transaction.atomic():
        d = _locked(disclosure)
        if d.status != Status.DRAFT:
            raise _immutable(d)
        if d.supersedes_id is not None:
            period = d.period  # a correction is for the month it corrects
        new_period, parsed = disclosure_validate(
            compound=d.compound, kind=d.kind, period=d.period if period is None else period, data=data
        )
        if d.supersedes_id is None:
            _refuse_second_original(d.compound, d.kind, new_period)
        _apply(d, new_period, parsed)
        d.save()
        _write_lines(d, parsed)
        audit_record(actor=actor, verb="disclosure.update", target=d, compound_id=d.compound_id)
    return d


def disclosure_delete(*, actor: User, disclosure: Disclosure) -> None:
    """Delete a draft (its lines with it); a published record: WrongState `immutable`."""
    if not may_edit(user=actor, disclosure=disclosure):
        raise Forbidden(_("只有为本小区服务的物业企业可以删除草稿。"), code="forbidden")
    with transaction.atomic():
        d = _locked(disclosure)
        if d.status != Status.DRAFT:
            raise _immutable(d)
        audit_record(
            actor=actor,
            verb="disclosure.delete",
            target=d,
            compound_id=d.compound_id,
            data={"kind": d.kind, "period": d.period},
        )
        d.delete()


def cosign_required(*, disclosure: Disclosure) -> bool:
    """Whether the record needs a committee co-sign before publication: its kind is listed in
    DISCLOSURE_COSIGN_KINDS and the compound has a committee in office today."""
    if disclosure.kind not in settings.DISCLOSURE_COSIGN_KINDS:
        return False
    committee = committee_current(compound=disclosure.compound)
    today = timezone.localdate()
    return committee is not None and committee.term_starts_on <= today <= committee.term_ends_on


def disclosure_publish(*, actor: User, disclosure: Disclosure, now: dt.datetime | None = None) -> Disclosure:
    """Publish a draft: checked again (the previous month may have been published since), stamped with the
    time, the publisher and its content hash; a correction marks the record it supersedes as superseded in the
    same transaction. Writes audit rows."""
    if not may_edit(user=actor, disclosure=disclosure):
        raise Forbidden(_("只有为本小区服务的物业企业可以公布。"), code="forbidden")
    with transaction.atomic():
        d = _locked(disclosure)
        if d.status != Status.DRAFT:
            raise WrongState(_("该记录已公布。"), code="immutable", extra={"id": d.pk, "status": d.status})
        disclosure_validate(compound=d.compound, kind=d.kind, period=d.period, data=d.content)
        if cosign_required(disclosure=d) and not Cosign.objects.filter(disclosure=d).exists():
            raise WrongState(
                _("该记录须经业主委员会会签后才能公布。"), code="cosign_required", extra={"id": d.pk}
            )
        old = None
        if d.supersedes_id is not None:
            old = Disclosure.objects.select_for_update().get(pk=d.supersedes_id)
            if old.status != Status.PUBLISHED:
                raise WrongState(
                    _("被更正的记录已被其他更正取代。"),
                    code="already_superseded",
                    extra={"supersedes": old.pk},
                )
            old.status = Status.SUPERSEDED
            old.save(update_fields=["status"])
            audit_record(
                actor=actor,
                verb="disclosure.supersede",
                target=old,
                compound_id=old.compound_id,
                data={"by": d.pk},
            )
        else:
            _refuse_second_original(d.compound, d.kind, d.period)
        d.status = Status.PUBLISHED
        d.published_at = now or timezone.now()
        d.published_by = actor
        d.content_hash = content_hash(
            compound_code=d.compound.code,
            kind=d.kind,
            period=d.period,
            content=d.content,
            supersedes=d.supersedes_id,
            reason=d.reason,
        )
        d.save(update_fields=["status", "published_at", "published_by", "content_hash"])
        audit_record(
            actor=actor,
            verb="disclosure.publish",
            target=d,
            compound_id=d.compound_id,
            data={"content_hash": d.content_hash, "supersedes": d.supersedes_id},
        )
    return d


def disclosure_correct(*, actor: User, disclosure: Disclosure, reason: str, data: Any) -> Disclosure:
    """A correction of a published record: a new draft for the same compound, kind and month that names the
    record it supersedes and why (the old one is superseded when the correction is published)."""
    if not may_edit(user=actor, disclosure=disclosure):
        raise Forbidden(_("只有为本小区服务的物业企业可以提交更正。"), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请说明更正原因。"), code="invalid", extra={"field": "reason"})
    if disclosure.status == Status.DRAFT:
        raise WrongState(_("草稿可直接修改，无需更正。"), code="not_published", extra={"id": disclosure.pk})
    if disclosure.status == Status.SUPERSEDED:
        raise WrongState(
            _("该记录已被更正，请更正最新的版本。"), code="already_superseded", extra={"id": disclosure.pk}
        )
    compound = disclosure.compound
    period, parsed = disclosure_validate(
        compound=compound, kind=disclosure.kind, period=disclosure.period, data=data
    )
    with transaction.atomic():
        d = Disclosure(
            compound=compound,
            kind=disclosure.kind,
            author=actor,
            firm_id=compound.property_firm_id,
            supersedes=disclosure,
            reason=reason[:2000],
        )
        _apply(d, period, parsed)
        d.save()
        _write_lines(d, parsed)
        audit_record(
            actor=actor,
            verb="disclosure.correct",
            target=d,
            compound_id=compound.pk,
            data={"supersedes": disclosure.pk},
        )
    return d


def disclosure_cosign(*, actor: User, disclosure: Disclosure) -> Cosign:
    """A member of the compound's current committee co-signs the record (once); writes an audit row."""
    if not may_cosign(user=actor, disclosure=disclosure):
        raise Forbidden(_("只有本小区业主委员会的成员可以会签。"), code="forbidden")
    try:
        with transaction.atomic():
            cosign = Cosign.objects.create(disclosure=disclosure, user=actor)
            audit_record(
                actor=actor, verb="disclosure.cosign", target=disclosure, compound_id=disclosure.compound_id
            )
    except IntegrityError:  # unique (record, member): co-signed already
        raise WrongState(
            _("您已会签过该记录。"), code="already_cosigned", extra={"id": disclosure.pk}
        ) from None
    return cosign


def disclosure_object(*, actor: User, disclosure: Disclosure, text: str) -> Complaint:
    """An owner's objection to a published record: a complaint about the firm (routed past the firm) through
    complaints' filing service, naming the record."""
    if not may_object(user=actor, disclosure=disclosure):
        raise Forbidden(_("只有本小区的业主可以对已公布的信息提出异议。"), code="forbidden")
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("请写明异议内容。"), code="invalid", extra={"field": "text"})
    label = Kind(disclosure.kind).label
    what = f"{label} {disclosure.period}".strip()
    description = _("对公开信息“%(what)s”（第 %(id)s 号）的异议：%(text)s") % {
        "what": what,
        "id": disclosure.pk,
        "text": text,
    }
    return complaint_file(
        actor=actor,
        compound=disclosure.compound,
        kind=ComplaintKind.COMPLAINT,
        category_code=OBJECTION_CATEGORY.get(Kind(disclosure.kind), "other"),
        about=About.FIRM,
        description=description[:2000],
    )

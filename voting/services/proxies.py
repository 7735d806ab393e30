"""Proxy voting: the street office records a written mandate; the proxy then casts the principal's ballot.

Refusals: `forbidden` (403), `wrong_state` (409: only while announced or open), `not_on_roll` (404),
`unknown_user` (400), `proxy_firm_staff_barred` (400: property-firm staff, unless the assembly allows them),
`proxy_cap_reached` (400: the proxy already holds `proxy_cap` mandates), `already_voted` (409: the subject
has a counted ballot), `proxy_exists` (409: the subject already has a proxy), and the scan of the written
mandate: `scan_required`, `scan_too_large`, `scan_invalid_type` (400, voting.services.scans).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import User
from voting.models import Assembly, CountedBallot, ProxyMandate, RollPart
from voting.permissions import can_run_assembly
from voting.services.audit import audit_append
from voting.services.scans import scan_check


def proxy_mandate_record(
    *,
    actor: User,
    assembly: Assembly,
    unit_number: str,
    proxy_username: str,
    note: str = "",
    scan: Any = None,
) -> ProxyMandate:
    """Record, on the scan of the written mandate, that `proxy_username` casts the vote of the subject holding
    `unit_number`; writes the mandate and a log entry (serialised per assembly, so the cap holds under
    concurrency)."""
    if not can_run_assembly(user=actor, compound=assembly.compound):
        raise Forbidden(_("只有组织会议的街道办事处工作人员可以登记委托投票。"), code="forbidden")
    scan_check(scan=scan)
    with transaction.atomic():
        a = Assembly.objects.select_for_update().get(pk=assembly.pk)
        if a.status not in (Assembly.Status.ANNOUNCED, Assembly.Status.OPEN):
            raise WrongState(_("只能在公告后、投票截止前登记委托投票。"), code="wrong_state")
        part = RollPart.objects.filter(assembly=a, unit_number=unit_number).select_related("subject").first()
        if part is None:
            raise ApplicationError(_("该房屋不在本次会议的表决名册上。"), code="not_on_roll", status=404)
        proxy = (
            User.objects.filter(username=proxy_username, is_active=True).select_related("firm_staff").first()
        )
        if proxy is None:
            raise ApplicationError(_("代理人账号不存在。"), code="unknown_user")
        staff = getattr(proxy, "firm_staff", None)
        if staff is not None and staff.active and not a.firm_staff_may_proxy:
            raise ApplicationError(
                _("本次会议不允许物业服务企业人员担任代理人。"), code="proxy_firm_staff_barred"
            )
        if ProxyMandate.objects.filter(assembly=a, proxy=proxy).count() >= a.proxy_cap:
            raise ApplicationError(
                _("每名代理人最多代理 %(n)s 户。") % {"n": a.proxy_cap}, code="proxy_cap_reached"
            )
        if CountedBallot.objects.filter(assembly=a, subject=part.subject).exists():
            raise WrongState(_("该投票主体已投票。"), code="already_voted")
        try:
            with transaction.atomic():
                mandate = ProxyMandate.objects.create(
                    assembly=a,
                    subject=part.subject,
                    proxy=proxy,
                    note=note[:500],
                    scan=scan or "",
                    recorded_by=actor,
                )
        except IntegrityError as e:
            raise WrongState(_("该投票主体已有代理人。"), code="proxy_exists") from e
        audit_append(
            assembly=a,
            actor=actor,
            action="proxy.mandate",
            data={"subject": part.subject.key, "proxy": proxy.pk},
        )
    return mandate

"""Overdue monthly statements: once the due day of a month's operating statement has passed (DISCLOSURE_DUE_DAY
of the next month, Beijing time), every compound with a serving firm and no published statement for that month
is flagged once, and the firm's staff serving it, the members of its current committee and the street office
over it are told through registry's delivery service (each message keyed, so a second run sends nothing)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.figures import month_parse, previous_month
from complaints.selectors import street_officials_over
from disclosure.figures import deadline, due_on, period_of, statement_states
from disclosure.models import OverdueFlag
from registry.models import Compound, FirmStaff, User
from registry.selectors import committee_current
from registry.services.delivery import deliver


def overdue_recipients(*, compound: Compound) -> list[User]:
    """The firm's active staff serving the compound, the current committee's members, the street office."""
    users: set[User] = set()
    if compound.property_firm_id is not None:
        staff = FirmStaff.objects.filter(
            firm_id=compound.property_firm_id, active=True, compounds=compound, user__is_active=True
        ).select_related("user")
        users |= {s.user for s in staff}
    committee = committee_current(compound=compound)
    today = timezone.localdate()
    if committee is not None and committee.term_starts_on <= today <= committee.term_ends_on:
        users |= {m.owner.user for m in committee.members.all() if m.owner.user_id and m.owner.user.is_active}
    users |= set(street_officials_over(compound=compound))
    return sorted(users, key=lambda u: u.pk)


def disclosure_flag_overdue(*, now: dt.datetime | None = None, period: str = "") -> int:
    """Flag last month's missing statements once their due day has passed (or `period`'s) and notify; returns
    how many compounds were flagged now (0 on a second run)."""
    now = now or timezone.now()
    if not period:
        period = period_of(previous_month(timezone.localtime(now).date().replace(day=1)))
    if month_parse(period) is None or now < deadline(period):
        return 0
    compounds = {
        c.pk: c
        for c in Compound.objects.filter(property_firm__isnull=False).select_related(
            "community", "property_firm"
        )
    }
    states = statement_states(compound_ids=sorted(compounds), period=period, now=now)
    flagged = 0
    for compound_id, state in states.items():
        if state != "missing":
            continue
        compound = compounds[compound_id]
        with transaction.atomic():
            _flag, created = OverdueFlag.objects.get_or_create(
                compound=compound, period=period, defaults={"due_on": due_on(period), "flagged_at": now}
            )
        flagged += created
        facts = {"compound": compound.name, "period": period, "due": due_on(period).isoformat()}
        for user in overdue_recipients(compound=compound):
            deliver(
                user=user,
                title=_("经营性收支逾期未公开：%(compound)s %(period)s") % facts,
                body=_("%(compound)s %(period)s 的经营性收支应于 %(due)s 前公开，至今未公布。") % facts,
                key=f"disclosure:overdue:{compound_id}:{period}:{user.pk}",
                link=f"/disclosure/{compound.code}/",
            )
    return flagged

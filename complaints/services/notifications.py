"""Who hears about a case, through registry's delivery service: the handlers of its current tier when it is
filed or raised, the handlers (and on a breach the street) when a clock reaches 80 % or breaches, and the
complainant when the case needs them. Each message has a delivery key, so running this twice sends nothing new.
Handlers' texts name the case number, category and compound, never the complainant or the room."""

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.labels import ClockLevel, Status
from complaints.models import Clock, Complaint, ComplaintEvent
from complaints.selectors import complaint_handler_users, street_officials_over
from registry.services.delivery import deliver


def _facts(case: Complaint) -> dict[str, str]:
    return {"number": str(case.pk), "category": str(case.category.name), "compound": case.compound.name}


def complaint_notify(*, complaint_id: int) -> int:
    """Deliver every message the case's current state calls for that was not delivered yet; returns how many."""
    case = Complaint.objects.select_related("category", "compound__community", "complainant").get(
        pk=complaint_id
    )
    facts = _facts(case)
    handler_link = f"/complaints/queue/{case.pk}/"
    sent = 0
    handlers = complaint_handler_users(complaint=case)
    if case.status not in (Status.CLOSED,):
        for user in handlers:
            sent += deliver(
                user=user,
                title=_("新的投诉待办：第 %(number)s 号") % facts,
                body=_("%(compound)s 的%(category)s投诉（第 %(number)s 号）已转到您处理，请及时受理。")
                % facts,
                key=f"complaints:{case.pk}:tier:{case.tier}:{user.pk}",
                link=handler_link,
            )
    for clock in Clock.objects.filter(complaint=case, level__in=[ClockLevel.WARN80, ClockLevel.BREACHED]):
        breached = clock.level == ClockLevel.BREACHED
        recipients = list(handlers)
        if breached:
            recipients += [u for u in street_officials_over(compound=case.compound) if u not in recipients]
        title = (
            _("投诉已超时：第 %(number)s 号") if breached else _("投诉即将超时：第 %(number)s 号")
        ) % facts
        body = (
            _("%(compound)s 的%(category)s投诉（第 %(number)s 号）处理时限已到或将到，请尽快处理。") % facts
        )
        for user in recipients:
            sent += deliver(
                user=user,
                title=title,
                body=body,
                key=f"complaints:clock:{clock.pk}:{clock.level}:{user.pk}",
                link=handler_link,
            )
    asks = {
        Status.WAITING: _("请补充说明：第 %(number)s 号投诉"),
        Status.VERIFIED: _("请评价：第 %(number)s 号投诉"),
        Status.REJECTED: _("投诉未受理，可申诉：第 %(number)s 号"),
    }
    if case.status in asks and case.complainant_id:
        last = (
            ComplaintEvent.objects.filter(complaint=case).order_by("-pk").values_list("pk", flat=True).first()
        )
        sent += deliver(
            user=case.complainant,
            title=asks[Status(case.status)] % facts,
            body=_("您在%(compound)s提交的%(category)s投诉（第 %(number)s 号）需要您处理，请登录查看。")
            % facts,
            key=f"complaints:{case.pk}:ask:{case.status}:{last}",
            link=f"/complaints/{case.pk}/",
        )
    return sent


def complaint_notify_later(*, complaint_id: int) -> None:
    """Schedule the case's notifications after the current transaction commits."""
    from complaints.tasks import notify

    transaction.on_commit(lambda: notify.delay(complaint_id=complaint_id))

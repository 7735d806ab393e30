"""Celery tasks of complaints/: explicit names, one service call, safe to run twice."""

from celery import shared_task

from complaints.figures import current_month, previous_month
from complaints.services.clocks import clocks_check_due
from complaints.services.figures import complaint_month_close


@shared_task(name="complaints.check_clocks", ignore_result=True)
def check_clocks() -> None:
    """Recompute the clocks whose level may have changed: warnings at 50 % and 80 %, breaches, 督办."""
    clocks_check_due()


@shared_task(name="complaints.close_month", ignore_result=True)
def close_month() -> None:
    """Write the previous (Beijing) month's immutable figures; a second run writes nothing."""
    complaint_month_close(month=previous_month(current_month()))


@shared_task(name="complaints.notify", ignore_result=True)
def notify(*, complaint_id: int) -> None:
    """Deliver the messages the case's state calls for (idempotent by delivery key)."""
    from complaints.services.notifications import complaint_notify

    complaint_notify(complaint_id=complaint_id)

"""Celery tasks of disclosure/: explicit names, one service call, safe to run twice."""

from celery import shared_task

from disclosure.services.deadlines import disclosure_flag_overdue


@shared_task(name="disclosure.flag_overdue", ignore_result=True)
def flag_overdue() -> None:
    """Flag last month's operating statements not published by their due day, and notify (idempotent)."""
    disclosure_flag_overdue()

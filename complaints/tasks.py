"""Celery tasks of complaints/: explicit names, one service call, safe to run twice."""

from celery import shared_task

from complaints.services.clocks import clocks_check_due


@shared_task(name="complaints.check_clocks", ignore_result=True)
def check_clocks() -> None:
    """Recompute the clocks whose level may have changed: warnings at 50 % and 80 %, breaches, 督办."""
    clocks_check_due()

"""Celery tasks of partybuilding/: explicit names, one service call, safe to run twice."""

from celery import shared_task

from partybuilding.services.meetings import follow_ups_flag_overdue


@shared_task(name="partybuilding.flag_overdue_follow_ups", ignore_result=True)
def flag_overdue_follow_ups() -> None:
    """Flag open follow-up items of joint meetings past their due date and tell their owners (once each)."""
    follow_ups_flag_overdue()

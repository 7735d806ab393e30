"""Celery tasks of the registry: ids in, one service call out (STYLE.md)."""

from celery import shared_task

from registry.services.accounts import signup_attempts_purge


@shared_task(name="registry.purge_signup_attempts", ignore_result=True)
def purge_signup_attempts(*, days: int = 90) -> int:
    """Delete sign-up attempt records older than `days` (data retention); safe to run twice."""
    return signup_attempts_purge(days=days)

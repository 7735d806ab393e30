"""Celery tasks of the registry: ids in, one service call out (STYLE.md)."""

from typing import Any

from celery import Task, shared_task
from django.conf import settings

from registry.services.accounts import signup_attempts_purge
from registry.services.registration.sources import FeedUnavailable, registration_sync_configured


@shared_task(name="registry.purge_signup_attempts", ignore_result=True)
def purge_signup_attempts(*, days: int = 90) -> int:
    """Delete sign-up attempt records older than `days` (data retention); safe to run twice."""
    return signup_attempts_purge(days=days)


@shared_task(name="registry.sync_registration_feed", bind=True, ignore_result=True)
def sync_registration_feed(self: Task) -> dict[str, Any] | None:
    """Pull the configured registration feed (URL, else drop directory, else nothing) and apply it; writes
    units, ownerships, quarantine, cursor and a sync run. Safe to run twice at once (per-batch advisory lock,
    events applied once by event id); retries only when the feed stays unavailable."""
    try:
        report = registration_sync_configured()
    except FeedUnavailable as exc:
        # doubled per retry, never later than the next beat tick (which supersedes it: see config/celery.py)
        countdown = min(
            settings.REGISTRATION_SYNC_TASK_RETRY_DELAY_SECONDS * 2**self.request.retries,
            settings.REGISTRATION_SYNC_INTERVAL_SECONDS,
        )
        raise self.retry(
            exc=exc, countdown=countdown, max_retries=settings.REGISTRATION_SYNC_TASK_MAX_RETRIES
        ) from exc
    if report is None:
        return None
    return {
        "applied": report.applied,
        "skipped": report.skipped,
        "quarantined": report.quarantined,
        "last_seq": report.last_seq,
    }

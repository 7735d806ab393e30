"""Celery tasks of overview/: explicit names, one service call, safe to run twice."""

import logging

from celery import shared_task

from overview.services import figures_refresh

log = logging.getLogger(__name__)


@shared_task(name="overview.refresh", ignore_result=True)
def refresh() -> None:
    """Recompute the per-compound overview figures (every few minutes, from config/celery.py)."""
    rows, seconds = figures_refresh()
    log.info("overview figures refreshed: %d compounds in %.2f s", rows, seconds)

"""Project wiring: settings, URLs, the Celery app and cross-app plumbing."""

from config.celery import app as celery_app

__all__ = ["celery_app"]

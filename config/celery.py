"""The Celery application; the beat schedule lives here, in code."""

import os
from typing import Any

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("gongzhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "voting.advance_assemblies": {
        "task": "voting.advance_assemblies",
        "schedule": 60.0,
    },
    "complaints.check_clocks": {
        "task": "complaints.check_clocks",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # the 1st of each month at 02:00 Beijing (CELERY_TIMEZONE): the month just ended
    "complaints.close_month": {
        "task": "complaints.close_month",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    # the officials' overview: every compound's figures from one set-based statement
    "overview.refresh": {
        "task": "overview.refresh",
        "schedule": 600.0,
        "options": {"expires": 600},
    },
    # every day at 08:05 Beijing: follow-ups of joint meetings past their due date
    "partybuilding.flag_overdue_follow_ups": {
        "task": "partybuilding.flag_overdue_follow_ups",
        "schedule": crontab(minute=5, hour=8),
    },
    # daily at 09:05 Beijing: last month's operating statements not published by their due day
    "disclosure.flag_overdue": {
        "task": "disclosure.flag_overdue",
        "schedule": crontab(minute=5, hour=9),
    },
    "registry.purge_signup_attempts": {
        "task": "registry.purge_signup_attempts",
        "schedule": crontab(minute=17, hour=3),
    },
}


@app.on_after_configure.connect
def _schedule_from_settings(sender: Celery, **kwargs: Any) -> None:
    """Entries whose period is a setting: added once Django's settings are loaded, not at import."""
    from django.conf import settings

    interval = settings.REGISTRATION_SYNC_INTERVAL_SECONDS
    sender.conf.beat_schedule["registry.sync_registration_feed"] = {
        "task": "registry.sync_registration_feed",
        "schedule": float(interval),
        # a run queued behind a busy worker is superseded by the next tick rather than piling up
        "options": {"expires": interval},
    }

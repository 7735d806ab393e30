"""The Celery application; the beat schedule lives here, in code."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("gongzhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "registry.purge_signup_attempts": {
        "task": "registry.purge_signup_attempts",
        "schedule": crontab(minute=17, hour=3),
    },
}

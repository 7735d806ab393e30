"""The Celery application; the beat schedule lives here, in code."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("gongzhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "registry.flag_overdue_equipment": {
        "task": "registry.flag_overdue_equipment",
        "schedule": crontab(minute=5, hour="*/1"),
    },
}

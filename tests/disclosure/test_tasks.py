"""The Celery task of disclosure: named, scheduled by beat, delegating to the overdue service on the clock."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

from config.celery import app
from disclosure.models import OverdueFlag
from disclosure.tasks import flag_overdue
from registry.models import Message


def test_the_task_is_named_and_on_the_beat_schedule():
    assert flag_overdue.name == "disclosure.flag_overdue"
    assert app.conf.beat_schedule["disclosure.flag_overdue"]["task"] == "disclosure.flag_overdue"


def test_the_task_flags_last_months_missing_statements_once(dworld):
    # given: 16 November 2026, 09:05 Beijing — October's statements were due by the 15th; none is published
    morning = dt.datetime(2026, 11, 16, 9, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    with mock.patch("django.utils.timezone.now", return_value=morning):
        flag_overdue.apply()
        flag_overdue.apply()
    # then: both compounds flagged once; firm_a, bob (committee) and official_a for A; firm_b, official_b for B
    assert sorted(OverdueFlag.objects.values_list("compound__code", "period")) == [
        ("QD-370212-0001", "2026-10"),
        ("QD-370212-0002", "2026-10"),
    ]
    told = sorted(
        Message.objects.filter(key__startswith="disclosure:overdue:").values_list("user__username", flat=True)
    )
    assert told == ["bob", "firm_a", "firm_b", "official_a", "official_b"]

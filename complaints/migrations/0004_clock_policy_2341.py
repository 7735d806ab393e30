"""The city's default clock policy: Jinan's 2341 — respond within 20 minutes, a plan within 30 minutes, for
major cases a written reply within 4 hours, a solution within 1 day; then verification within 1 working day
and the return visit within 2 working days. Staff add rows (per category, severity, tier) to change it."""

import datetime as dt

from django.db import migrations

DEFAULTS = [
    ("respond", "wall", 20),
    ("plan", "wall", 30),
    ("written_reply", "wall", 240),
    ("resolve", "wall", 1440),
    ("verify", "working_days", 1),
    ("return_visit", "working_days", 2),
]
SINCE = dt.datetime(2020, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def seed(apps, schema_editor):
    ClockPolicy = apps.get_model("complaints", "ClockPolicy")
    for kind, unit, amount in DEFAULTS:
        ClockPolicy.objects.get_or_create(
            kind=kind, category=None, severity="", tier="", valid_from=SINCE, defaults={"unit": unit, "amount": amount}
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_clocks")]

    operations = [
        migrations.RunSQL(
            "CREATE TRIGGER complaints_clockextension_append_only BEFORE UPDATE OR DELETE ON "
            "complaints_clockextension FOR EACH ROW EXECUTE FUNCTION gongzhi_refuse_change();",
            "DROP TRIGGER IF EXISTS complaints_clockextension_append_only ON complaints_clockextension;",
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]

"""The handlers' queue at city scale (bench/complaints.py): open cases by compound and tier (partial), and a
case's running clocks by due time (partial) for its soonest due."""

from django.db import migrations, models

QUEUE_STATES = ["accepted", "dispatched", "in_progress", "resolved", "returned", "submitted", "waiting_complainant"]


class Migration(migrations.Migration):
    dependencies = [("complaints", "0008_month_figures")]

    operations = [
        migrations.AddIndex(
            model_name="clock",
            index=models.Index(
                condition=models.Q(stopped_at__isnull=True), fields=["complaint", "due_at"], name="clock_running_due"
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(status__in=QUEUE_STATES), fields=["compound", "tier"], name="complaint_queue"
            ),
        ),
    ]

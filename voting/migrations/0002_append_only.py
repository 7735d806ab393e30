"""Ballot submissions and the assembly log are append-only, whoever asks (the function is registry's)."""

from django.db import migrations

TABLES = ["voting_ballotsubmission", "voting_auditentry"]


class Migration(migrations.Migration):
    dependencies = [("voting", "0001_initial"), ("registry", "0002_append_only_triggers")]

    operations = [
        migrations.RunSQL(
            f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION gongzhi_refuse_change();",
            f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};",
        )
        for t in TABLES
    ]

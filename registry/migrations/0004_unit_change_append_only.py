from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_sync_runs_and_unit_changes")]

    operations = [
        migrations.RunSQL(
            "CREATE TRIGGER registry_unitchange_append_only BEFORE UPDATE OR DELETE ON registry_unitchange "
            "FOR EACH ROW EXECUTE FUNCTION gongzhi_refuse_change();",
            "DROP TRIGGER IF EXISTS registry_unitchange_append_only ON registry_unitchange;",
        ),
    ]

"""History tables are append-only: PostgreSQL refuses UPDATE and DELETE on them, whoever asks.

Ownership rows may be *ended* (valid_to / ended_by_event_id set once) but never deleted or rewritten.
"""

from django.db import migrations

APPEND_ONLY = ["registry_maintenancerecord", "registry_auditevent", "registry_registrationevent"]

FORWARD = """
CREATE OR REPLACE FUNCTION gongzhi_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE OR REPLACE FUNCTION gongzhi_ownership_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'ownership history: DELETE refused' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- Only ending a current record is allowed: everything else stays as registered.
    IF OLD.valid_to IS NOT NULL
       OR (to_jsonb(NEW) - 'valid_to' - 'ended_by_event_id') IS DISTINCT FROM (to_jsonb(OLD) - 'valid_to' - 'ended_by_event_id') THEN
        RAISE EXCEPTION 'ownership history: only ending a current record is allowed' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER registry_ownership_guard BEFORE UPDATE OR DELETE ON registry_ownership
    FOR EACH ROW EXECUTE FUNCTION gongzhi_ownership_guard();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS registry_ownership_guard ON registry_ownership;
DROP FUNCTION IF EXISTS gongzhi_ownership_guard();
"""


def _table_sql(table: str) -> tuple[str, str]:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION gongzhi_refuse_change();",
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        *[migrations.RunSQL(*_table_sql(t)) for t in APPEND_ONLY],
        migrations.RunSQL("", "DROP FUNCTION IF EXISTS gongzhi_refuse_change();"),
    ]

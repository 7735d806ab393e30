import django.db.models.deletion
from django.db import migrations, models

# Audit rows name their target by type and id; the compound each target belongs to is found through the
# same paths as registry.permissions.COMPOUND_PATH (at the time of this migration).
TARGET_COMPOUND = {
    "registry.compound": "SELECT t.id FROM registry_compound t WHERE t.id::text = a.target_id",
    "registry.parcel": "SELECT t.compound_id FROM registry_parcel t WHERE t.id::text = a.target_id",
    "registry.servicecontract": "SELECT t.compound_id FROM registry_servicecontract t WHERE t.id::text = a.target_id",
    "registry.building": "SELECT t.compound_id FROM registry_building t WHERE t.id::text = a.target_id",
    "registry.entrance": "SELECT b.compound_id FROM registry_entrance t JOIN registry_building b ON b.id = t.building_id WHERE t.id::text = a.target_id",
    "registry.unit": "SELECT t.compound_id FROM registry_unit t WHERE t.id::text = a.target_id",
    "registry.ownerscommittee": "SELECT t.compound_id FROM registry_ownerscommittee t WHERE t.id::text = a.target_id",
    "registry.committeemember": "SELECT c.compound_id FROM registry_committeemember t JOIN registry_ownerscommittee c ON c.id = t.committee_id WHERE t.id::text = a.target_id",
    "registry.equipment": "SELECT t.compound_id FROM registry_equipment t WHERE t.id::text = a.target_id",
    "registry.maintenancerecord": "SELECT e.compound_id FROM registry_maintenancerecord t JOIN registry_equipment e ON e.id = t.equipment_id WHERE t.id::text = a.target_id",
}


def fill_compound(apps, schema_editor):
    # The audit log is append-only (a trigger refuses UPDATE): the back-fill lifts it for this statement only.
    schema_editor.execute("ALTER TABLE registry_auditevent DISABLE TRIGGER registry_auditevent_append_only")
    for target_type, select in TARGET_COMPOUND.items():
        schema_editor.execute(
            f"UPDATE registry_auditevent a SET compound_id = ({select}) WHERE a.target_type = %s",  # noqa: S608
            [target_type],
        )
    schema_editor.execute("ALTER TABLE registry_auditevent ENABLE TRIGGER registry_auditevent_append_only")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_trust_layer_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="compound",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="registry.compound",
                verbose_name="小区",
            ),
        ),
        migrations.RunPython(fill_compound, migrations.RunPython.noop),
    ]

"""Roll parts carry the flat's entrance and floor, its label ("1号楼 1单元 12层 1201") and a natural sort key;
frozen rolls are filled in from the registry units they were taken from (building, entrance and floor do not
change a roll's fingerprint, which covers unit numbers, areas, their sources and the grouping)."""

from django.db import migrations, models

from registry.addresses import flat_label, flat_sort_key

BATCH = 2000


def backfill(apps, schema_editor):
    RollPart = apps.get_model("voting", "RollPart")
    parts = RollPart.objects.select_related("unit__building", "unit__entrance").order_by("pk")
    batch = []
    for part in parts.iterator(chunk_size=BATCH):
        unit = part.unit
        part.building_no = unit.building.number if unit.building else ""
        part.entrance = unit.entrance.name if unit.entrance else ""
        part.entrance_no = unit.entrance.number if unit.entrance else ""
        part.floor = unit.floor or ""
        part.label = (
            flat_label(building=part.building, entrance=part.entrance, floor=part.floor, room=part.room)
            or part.unit_number
        )
        part.sort_key = flat_sort_key(
            building_no=part.building_no,
            building=part.building,
            entrance_no=part.entrance_no,
            floor=part.floor,
            room=part.room,
            unit_number=part.unit_number,
        )
        batch.append(part)
        if len(batch) >= BATCH:
            RollPart.objects.bulk_update(
                batch, ["building_no", "entrance", "entrance_no", "floor", "label", "sort_key"]
            )
            batch = []
    if batch:
        RollPart.objects.bulk_update(
            batch, ["building_no", "entrance", "entrance_no", "floor", "label", "sort_key"]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_audit_event_compound"),
        ("voting", "0004_proxy_mandates"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="rollpart",
            options={
                "ordering": ["assembly", "sort_key"],
                "verbose_name": "名册专有部分",
                "verbose_name_plural": "名册专有部分",
            },
        ),
        migrations.AddField(
            model_name="rollpart",
            name="building_no",
            field=models.CharField(blank=True, default="", max_length=4, verbose_name="幢号"),
        ),
        migrations.AddField(
            model_name="rollpart",
            name="entrance",
            field=models.CharField(blank=True, default="", max_length=32, verbose_name="单元"),
        ),
        migrations.AddField(
            model_name="rollpart",
            name="entrance_no",
            field=models.CharField(blank=True, default="", max_length=8, verbose_name="单元号"),
        ),
        migrations.AddField(
            model_name="rollpart",
            name="floor",
            field=models.CharField(blank=True, default="", max_length=8, verbose_name="楼层"),
        ),
        migrations.AddField(
            model_name="rollpart",
            name="label",
            field=models.CharField(blank=True, default="", max_length=160, verbose_name="房屋"),
        ),
        migrations.AddField(
            model_name="rollpart",
            name="sort_key",
            field=models.CharField(blank=True, default="", max_length=96, verbose_name="排序键"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="rollpart",
            index=models.Index(fields=["assembly", "sort_key"], name="roll_part_sorted"),
        ),
        migrations.AddIndex(
            model_name="rollpart",
            index=models.Index(fields=["assembly", "room"], name="roll_part_room"),
        ),
    ]

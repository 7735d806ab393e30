"""The timeline is append-only whoever asks (the function is registry's), and the default categories with
their routing (小事找管家、一般事找业委会、大事找街道) — data that staff edit afterwards."""

from django.db import migrations

# code, name, kinds, default severity
CATEGORIES = [
    ("environment", "环境卫生", ["complaint", "snap", "suggestion", "praise"], "minor"),
    ("greening", "绿化养护", ["complaint", "snap", "suggestion", "praise"], "minor"),
    ("facility_repair", "公共设施维修", ["complaint", "snap", "repair"], "minor"),
    ("home_repair", "户内报修", ["repair"], "minor"),
    ("elevator", "电梯", ["complaint", "snap", "repair"], "general"),
    ("utilities", "水电气暖", ["complaint", "repair"], "general"),
    ("security", "安全秩序", ["complaint", "snap", "suggestion"], "general"),
    ("parking", "停车管理", ["complaint", "snap", "suggestion"], "minor"),
    ("noise", "噪声扰民", ["complaint", "snap"], "minor"),
    ("illegal_construction", "违章搭建", ["complaint", "snap"], "major"),
    ("fire_safety", "消防通道与消防设施", ["complaint", "snap"], "major"),
    ("fees", "物业收费", ["complaint", "suggestion"], "general"),
    ("public_revenue", "公共收益", ["complaint", "suggestion"], "general"),
    ("service", "服务态度与质量", ["complaint", "suggestion", "praise"], "minor"),
    ("committee_affairs", "业委会事务", ["complaint", "suggestion"], "general"),
    ("other", "其他", ["complaint", "snap", "repair", "suggestion", "praise"], "minor"),
]
TIER_BY_SEVERITY = {"minor": "butler", "general": "committee", "major": "street"}
# Repairs inside a flat stay with the butler whatever their severity; fire safety always goes to the street.
OVERRIDES = {("home_repair", "general"): "butler", ("home_repair", "major"): "committee",
             ("fire_safety", "minor"): "street", ("fire_safety", "general"): "street"}


def seed(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    RoutingRule = apps.get_model("complaints", "RoutingRule")
    for position, (code, name, kinds, severity) in enumerate(CATEGORIES, start=1):
        category, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "kinds": kinds, "default_severity": severity, "position": position}
        )
        for sev, tier in TIER_BY_SEVERITY.items():
            RoutingRule.objects.get_or_create(
                category=category, severity=sev, defaults={"tier": OVERRIDES.get((code, sev), tier)}
            )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial"), ("registry", "0002_append_only_triggers")]

    operations = [
        migrations.RunSQL(
            "CREATE TRIGGER complaints_complaintevent_append_only BEFORE UPDATE OR DELETE ON "
            "complaints_complaintevent FOR EACH ROW EXECUTE FUNCTION gongzhi_refuse_change();",
            "DROP TRIGGER IF EXISTS complaints_complaintevent_append_only ON complaints_complaintevent;",
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]

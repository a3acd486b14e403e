from django.db import migrations

from bmp_oob_alert.faults.seed import RULES

FIELDS = (
    "id",
    "name",
    "parts",
    "fault_type",
    "condition",
    "threshold",
    "level",
    "desc",
    "is_push",
    "is_use",
    "is_default_push",
    "is_default_use",
    "owned",
)


def seed(apps, schema_editor):
    FaultRule = apps.get_model("oob_faults", "FaultRule")
    for row in RULES:
        values = dict(zip(FIELDS, row, strict=True))
        FaultRule.objects.update_or_create(id=values.pop("id"), defaults=values)


def unseed(apps, schema_editor):
    apps.get_model("oob_faults", "FaultRule").objects.filter(id__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("oob_faults", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]

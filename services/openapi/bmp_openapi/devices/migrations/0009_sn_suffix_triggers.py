from django.db import migrations

from bmp_openapi.devices.models import DEVICE_SN_SUFFIXES


def create_triggers(apps, schema_editor):
    """The SN suffixes come from triggers, as the name suffixes do (the device import wrote
    them until now); the table's rows are made again from the devices."""
    with schema_editor.connection.cursor() as cursor:
        for sql in DEVICE_SN_SUFFIXES.create_sql(schema_editor.connection.vendor):
            cursor.execute(sql)


def drop_triggers(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in DEVICE_SN_SUFFIXES.drop_sql():
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0008_name_suffixes"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="DeviceHealth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("device_id", models.CharField(max_length=64, unique=True)),
                ("cpu", models.CharField(default="ok", max_length=8)),
                ("memory", models.CharField(default="ok", max_length=8)),
                ("disk", models.CharField(default="ok", max_length=8)),
                ("nic", models.CharField(default="ok", max_length=8)),
                ("power", models.CharField(default="ok", max_length=8)),
                ("other", models.CharField(default="ok", max_length=8)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"db_table": "oob_device_health"},
        ),
    ]

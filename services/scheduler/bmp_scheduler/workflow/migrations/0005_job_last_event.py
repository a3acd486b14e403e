from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0004_agent_boot_step_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="last_event",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0003_agent_seen_at"),
    ]

    operations = [
        # Progress lives in the cache now (bmp_common.progress): no throttle to remember.
        migrations.RemoveField(model_name="job", name="progress_sent_at"),
        migrations.AddField(
            model_name="job",
            name="agent_boot",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="job",
            name="step_count",
            field=models.PositiveIntegerField(default=0),
        ),
    ]

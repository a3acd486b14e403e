from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0005_agent_token_per_boot"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="last_event",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0004_agent_boot_step_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="agent_address",
            field=models.CharField(blank=True, default="", max_length=45),
        ),
        migrations.AddField(
            model_name="job",
            name="password_hash",
            field=models.CharField(blank=True, default="", max_length=128),
        ),
        migrations.AddField(
            model_name="job",
            name="token_boot",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="job",
            name="token_claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="job",
            name="token_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]

from django.db import migrations


def seed(apps, schema_editor):
    """Upstream's one mail_message row: empty, alerts mailed once the settings work."""
    MailSettings = apps.get_model("inbox", "MailSettings")
    MailSettings.objects.get_or_create(id=1, defaults={"is_push": True})


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

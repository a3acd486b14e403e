from django.db import migrations

from bmp_openapi.core import triggers
from bmp_openapi.devices.models import DEVICE_SN_SUFFIXES


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0008_name_suffixes"),
    ]

    # The SN suffixes come from triggers, as the name suffixes do (the device import wrote them
    # until now); their rows are made again from the devices.
    operations = [
        triggers.run_python(DEVICE_SN_SUFFIXES),
    ]

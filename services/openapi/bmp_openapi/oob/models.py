from django.db import models

HEALTH_OK = "ok"
HEALTH_FAULT = "fault"
COMPONENTS = ("cpu", "memory", "disk", "nic", "power", "other")


class DeviceHealth(models.Model):
    """A device's component health as oob-alert last reported it (its unhandled faults).

    oob-alert owns the faults; openapi keeps this summary so device and instance answers carry
    it without a call per row. No row: every component "ok".
    """

    device_id = models.CharField(max_length=64, unique=True)
    cpu = models.CharField(max_length=8, default=HEALTH_OK)
    memory = models.CharField(max_length=8, default=HEALTH_OK)
    disk = models.CharField(max_length=8, default=HEALTH_OK)
    nic = models.CharField(max_length=8, default=HEALTH_OK)
    power = models.CharField(max_length=8, default=HEALTH_OK)
    other = models.CharField(max_length=8, default=HEALTH_OK)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "oob_device_health"

    def __str__(self):
        return self.device_id

    def summary(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in COMPONENTS}

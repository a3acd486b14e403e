from django.db import models

from bmp_openapi.core.models import SoftDeleteModel


class DeviceType(SoftDeleteModel):
    """A hardware model of an IDC: CPU, memory, NICs, GPUs and disk volumes with RAID options."""

    device_type_id = models.CharField(max_length=64, unique=True)
    idc = models.ForeignKey("idcs.Idc", on_delete=models.PROTECT, related_name="device_types")
    name = models.CharField(max_length=64)
    device_type = models.CharField(max_length=64)  # the spec code, e.g. cps.c.normal
    device_series = models.CharField(max_length=16)  # choices.DEVICE_SERIES
    architecture = models.CharField(max_length=16)  # choices.ARCHITECTURES
    height = models.PositiveSmallIntegerField()  # rack units
    description = models.CharField(max_length=256, blank=True, default="")
    cpu_spec = models.CharField(max_length=16)  # choices.SPECS
    cpu_amount = models.PositiveIntegerField()
    cpu_cores = models.PositiveIntegerField()
    cpu_manufacturer = models.CharField(max_length=64)
    cpu_model = models.CharField(max_length=64)
    cpu_frequency = models.CharField(max_length=64)  # GHz, as typed
    mem_spec = models.CharField(max_length=16)  # choices.SPECS
    mem_type = models.CharField(max_length=8)  # choices.MEM_TYPES
    mem_size = models.PositiveIntegerField()  # GB per module
    mem_amount = models.PositiveIntegerField()
    mem_frequency = models.PositiveIntegerField()  # MHz
    nic_amount = models.PositiveSmallIntegerField()
    nic_rate = models.PositiveIntegerField()  # GE
    interface_mode = models.CharField(max_length=16)  # choices.INTERFACE_MODES
    gpu_amount = models.PositiveIntegerField(default=0)
    gpu_manufacturer = models.CharField(max_length=64, blank=True, default="")
    gpu_model = models.CharField(max_length=64, blank=True, default="")
    boot_mode = models.CharField(max_length=32)  # "UEFI", "Legacy/BIOS" or both, comma-separated
    is_need_raid = models.CharField(max_length=8, default="1")  # choices.IS_NEED_RAID

    class Meta:
        db_table = "device_type"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idc", "name", "delete_marker"], name="device_type_unique_live_name"
            ),
            models.UniqueConstraint(
                fields=["idc", "device_type", "delete_marker"],
                name="device_type_unique_live_code",
            ),
        ]

    def __str__(self):
        return self.device_type_id


class Volume(models.Model):
    """A volume of a device type: ``volume_amount`` alike disks presented as one (RAID) volume."""

    volume_id = models.CharField(max_length=64, unique=True)
    device_type = models.ForeignKey(DeviceType, on_delete=models.CASCADE, related_name="volumes")
    volume_name = models.CharField(max_length=64)
    volume_type = models.CharField(max_length=16)  # choices.VOLUME_TYPES
    disk_type = models.CharField(max_length=16)  # choices.DISK_TYPES
    interface_type = models.CharField(max_length=16)  # choices.INTERFACE_TYPES
    volume_size = models.CharField(max_length=16)  # per disk, a decimal as typed ("1.92")
    volume_unit = models.CharField(max_length=4)  # choices.VOLUME_UNITS
    volume_amount = models.PositiveIntegerField()  # disks
    raid_can = models.CharField(max_length=16)  # choices.RAID_CANS
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "volume"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_type", "volume_name"], name="volume_unique_name_per_device_type"
            ),
        ]

    def __str__(self):
        return self.volume_id


class VolumeRaid(models.Model):
    """A RAID level a volume may be built with, chosen when an instance is created.

    describeDeviceTypeRaids renders these rows in upstream's RDeviceTypeRaid shape, with the
    usable capacity computed from the volume's disks.
    """

    volume = models.ForeignKey(Volume, on_delete=models.CASCADE, related_name="raid_links")
    device_type = models.ForeignKey(
        DeviceType, on_delete=models.CASCADE, related_name="volume_raids"
    )
    raid = models.ForeignKey("catalog.Raid", on_delete=models.PROTECT, related_name="volume_links")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "r_volume_raid"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["volume", "raid"], name="r_volume_raid_unique"),
        ]

    def __str__(self):
        return f"{self.volume_id}:{self.raid_id}"

from django.db import models

from bmp_openapi.core.models import SoftDeleteModel


class Image(SoftDeleteModel):
    """A system image file (tar root file system or qcow2 disk) of an OS."""

    image_id = models.CharField(max_length=64, unique=True)
    image_name = models.CharField(max_length=200)
    os = models.ForeignKey("catalog.Os", on_delete=models.PROTECT, related_name="images")
    format = models.CharField(max_length=16)  # choices.IMAGE_FORMATS
    filename = models.CharField(max_length=255)
    url = models.CharField(max_length=1024)  # http(s) URL or "{host}/<file>"
    hash = models.CharField(max_length=64)  # MD5 (32 hex) or SHA-256 (64 hex), lower case
    source = models.CharField(max_length=16)  # choices.IMAGE_SOURCES
    boot_mode = models.CharField(max_length=32)  # "UEFI", "Legacy/BIOS" or both, comma-separated
    # Default partitions: [{"format": "xfs", "point": "/", "size": 51200}, ...] (size in MB)
    system_partition = models.JSONField(default=list, blank=True)
    data_partition = models.JSONField(default=list, blank=True)
    description = models.CharField(max_length=256, blank=True, default="")

    class Meta:
        db_table = "image"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["image_name", "delete_marker"], name="image_unique_live_name"
            ),
        ]

    def __str__(self):
        return self.image_id


class DeviceTypeImage(models.Model):
    """An image bound to a device type: instances of the type may be installed with it."""

    device_type = models.ForeignKey(
        "catalog.DeviceType", on_delete=models.CASCADE, related_name="image_links"
    )
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="device_type_links")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "r_device_type_image"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_type", "image"], name="r_device_type_image_unique"
            ),
        ]

    def __str__(self):
        return f"{self.device_type_id}:{self.image_id}"


class DeviceTypeImagePartition(models.Model):
    """A default partition of instances of a device type installed with an image."""

    device_type = models.ForeignKey(
        "catalog.DeviceType", on_delete=models.CASCADE, related_name="image_partitions"
    )
    image = models.ForeignKey(
        Image, on_delete=models.CASCADE, related_name="device_type_partitions"
    )
    boot_mode = models.CharField(max_length=32, blank=True, default="")
    partition_type = models.CharField(max_length=16)  # root, boot, system, data
    volume_type = models.CharField(max_length=16, default="system")  # system or data disk
    number = models.PositiveSmallIntegerField(default=0)  # order on its disk
    partition_size = models.PositiveIntegerField()  # MB
    partition_fs_type = models.CharField(max_length=16)
    partition_mount_point = models.CharField(max_length=255)
    partition_label = models.CharField(max_length=64, blank=True, default="")
    system_disk_label = models.CharField(max_length=16, default="gpt")
    data_disk_label = models.CharField(max_length=16, default="gpt")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "r_device_type_image_partition"
        ordering = ["volume_type", "number", "id"]

    def __str__(self):
        return f"{self.device_type_id}:{self.image_id}:{self.partition_mount_point}"

from django.db import models

from bmp_openapi.core.models import SoftDeleteModel


class Raid(SoftDeleteModel):
    """A RAID level a device-type volume may be built with (NO RAID, RAID0, RAID1, ...)."""

    raid_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=32)
    description_en = models.CharField(max_length=256, blank=True, default="")
    description_zh = models.CharField(max_length=256, blank=True, default="")

    class Meta:
        db_table = "raid"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "delete_marker"], name="raid_unique_live_name"),
        ]

    def __str__(self):
        return self.raid_id

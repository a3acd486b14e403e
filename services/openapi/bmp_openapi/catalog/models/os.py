from django.db import models

from bmp_openapi.core.models import SoftDeleteModel


class Os(SoftDeleteModel):
    """An operating system release that images are built from."""

    os_id = models.CharField(max_length=64, unique=True)
    os_name = models.CharField(max_length=128)
    os_type = models.CharField(max_length=64)  # CentOS, Ubuntu, Windows, ...
    os_version = models.CharField(max_length=64)
    architecture = models.CharField(max_length=16)  # choices.ARCHITECTURES
    bits = models.PositiveSmallIntegerField(default=64)
    sys_user = models.CharField(max_length=32, default="root")

    class Meta:
        db_table = "os"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["os_name", "delete_marker"], name="os_unique_live_name"
            ),
        ]

    def __str__(self):
        return self.os_id

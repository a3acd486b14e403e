from django.db import models

from bmp_openapi.core.models import SoftDeleteModel


class Idc(SoftDeleteModel):
    """A data centre: its devices share a DHCP/driver site and default BMC credentials."""

    idc_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=64)
    name_en = models.CharField(max_length=64)
    shortname = models.CharField(max_length=32, blank=True, default="")
    level = models.CharField(max_length=32, blank=True, default="")
    address = models.CharField(max_length=255, blank=True, default="")
    # The IDC-wide BMC credential used when a device has none; the password is encrypted.
    ilo_user = models.CharField(max_length=64, blank=True, default="")
    ilo_password_encrypted = models.TextField(blank=True, default="")
    switch_user1 = models.CharField(max_length=64, blank=True, default="")
    switch_password1_encrypted = models.TextField(blank=True, default="")
    switch_user2 = models.CharField(max_length=64, blank=True, default="")
    switch_password2_encrypted = models.TextField(blank=True, default="")
    # (ours) PEM CA certificates the driver trusts for this IDC's Redfish BMCs (their https),
    # besides the system's; empty: the system's only.
    bmc_ca_bundle = models.TextField(blank=True, default="")

    class Meta:
        db_table = "idc"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "delete_marker"], name="idc_unique_live_name"),
            models.UniqueConstraint(
                fields=["name_en", "delete_marker"], name="idc_unique_live_name_en"
            ),
        ]

    def __str__(self):
        return self.idc_id

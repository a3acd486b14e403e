"""Devices (physical servers), their collected disks and NICs, and disk-to-volume links.

Network identities are unique among the live devices of an IDC (the DHCP server of an IDC
reserves addresses by MAC, and the driver reaches BMCs by IP); the SN is unique everywhere (it
routes the LiveOS agent's messages). ``delete_marker`` is part of every unique constraint, so a
deleted device frees its SN and addresses on MySQL too.
"""

from django.db import models
from django.db.models import Q

from bmp_openapi.core.group_counts import GroupCount
from bmp_openapi.core.models import SoftDeleteModel
from bmp_openapi.core.suffixes import SuffixIndex
from bmp_openapi.devices import choices, states


class Device(SoftDeleteModel):
    device_id = models.CharField(max_length=64, unique=True)
    sn = models.CharField(max_length=64)
    # No index of their own (db_index=False): the list indexes device_idc and
    # device_device_type start with them. A lone key index invites MariaDB to intersect it with
    # delete_marker's (every live row) and sort the result, instead of reading the list's index.
    idc = models.ForeignKey(
        "idcs.Idc", on_delete=models.PROTECT, related_name="devices", db_index=False
    )
    # Bound by deviceAssociateDeviceType (or associateDeviceDisks); none after import.
    device_type = models.ForeignKey(
        "catalog.DeviceType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        db_index=False,
    )
    manage_status = models.CharField(max_length=16, default=states.IN)
    reason = models.CharField(max_length=64, blank=True, default="")  # choices.REASON_NAMES
    collect_status = models.CharField(max_length=1, default=choices.NOT_COLLECTED)
    collect_fail_reason = models.CharField(max_length=255, blank=True, default="")
    cabinet = models.CharField(max_length=64)
    u_position = models.CharField(max_length=64)
    brand = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=64, blank=True, default="")
    architecture = models.CharField(max_length=16, blank=True, default="")
    # The BMC: its own credentials, or the IDC's when empty. The password is encrypted.
    ilo_ip = models.CharField(max_length=15)
    # (ours) The BMC's port (IPMI: UDP, 623 on real hardware; Redfish: TCP, 623 means https's
    # 443; lab BMCs share 127.0.0.1) and how the driver talks to it: "native" IPMI 2.0,
    # "ipmitool" for BMCs the native one can't, "redfish", or "auto" (probed by the first job;
    # what it found is kept in bmc_interface_detected, "native" or "redfish", until the BMC's
    # address or interface changes).
    ilo_port = models.PositiveIntegerField(default=623)
    bmc_interface = models.CharField(max_length=16, default="native")
    bmc_interface_detected = models.CharField(max_length=16, blank=True, default="")
    ilo_user = models.CharField(max_length=64, blank=True, default="")
    ilo_password_encrypted = models.TextField(blank=True, default="")
    # (ours) Whether the BMC accepts the credentials above (or the IDC's), from the ends of the
    # device's jobs (services/bmc.py): a refusal is never retried, so the operator must see it.
    bmc_credential_state = models.CharField(max_length=8, default=choices.BMC_CREDENTIALS_UNKNOWN)
    bmc_credential_reason = models.CharField(max_length=64, blank=True, default="")  # the code
    bmc_credential_changed_at = models.DateTimeField(null=True, blank=True)
    # The provisioning NIC(s), lower-case colon form, and the address the install configures.
    mac1 = models.CharField(max_length=17)
    mac2 = models.CharField(max_length=17, blank=True, default="")
    private_ipv4 = models.CharField(max_length=15)
    mask = models.CharField(max_length=15)
    gateway = models.CharField(max_length=15)
    private_ipv6 = models.CharField(max_length=45, blank=True, default="")  # compressed form
    description = models.CharField(max_length=256, blank=True, default="")
    # The instance that runs on it and its owner (set by the instances app when sold).
    instance_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    user_id = models.CharField(max_length=64, blank=True, default="")
    user_name = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "device"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list's order, alone and after the filters most used: each index gives both
            # the rows and their order, so no planner has to choose between the two.
            # The list's order (created_at, then id: named, so the name can follow) with the
            # owner's name: userName is a substring filter, which no index can seek; in the
            # list's order, its page and count read this index, not the rows.
            models.Index(
                fields=["delete_marker", "created_at", "id", "user_name"],
                name="device_live_created_user",
            ),
            models.Index(
                fields=["manage_status", "delete_marker", "created_at"], name="device_status"
            ),
            models.Index(
                fields=["private_ipv4", "delete_marker", "created_at"], name="device_private_ipv4"
            ),
            models.Index(fields=["ilo_ip", "delete_marker", "created_at"], name="device_ilo_ip"),
            models.Index(fields=["idc", "delete_marker", "created_at"], name="device_idc"),
            models.Index(
                fields=["device_type", "delete_marker", "created_at"], name="device_device_type"
            ),
            models.Index(
                fields=["private_ipv6", "delete_marker", "created_at"], name="device_private_ipv6"
            ),
            models.Index(fields=["user_id", "delete_marker", "created_at"], name="device_user"),
            models.Index(
                fields=["collect_status", "delete_marker", "created_at"],
                name="device_collect_status",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["sn", "delete_marker"], name="device_unique_live_sn"),
            models.UniqueConstraint(
                fields=["idc", "mac1", "delete_marker"], name="device_unique_live_mac1"
            ),
            models.UniqueConstraint(
                fields=["idc", "private_ipv4", "delete_marker"],
                name="device_unique_live_private_ipv4",
            ),
            models.UniqueConstraint(
                fields=["idc", "ilo_ip", "ilo_port", "delete_marker"],
                name="device_unique_live_bmc_address",
            ),
            models.CheckConstraint(
                condition=Q(manage_status__in=states.STATUSES), name="device_manage_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(collect_status__in=choices.COLLECT_STATUSES),
                name="device_collect_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(bmc_credential_state__in=choices.BMC_CREDENTIAL_STATES),
                name="device_bmc_credential_state_valid",
            ),
        ]

    def __str__(self):
        return self.device_id


class DeviceSnSuffix(models.Model):
    """Every suffix of a device's SN (the SN itself included), so that the lists' substring
    filter on the SN (``sn``: upstream's LIKE '%...%') is a prefix match on an index: the SNs
    containing "1234" are those with a suffix starting with "1234". MariaDB has no trigram
    index, and a LIKE '%...%' reads every SN. Written by ``DEVICE_SN_SUFFIXES``' triggers
    (see core.suffixes), as the name suffixes are; kept when the device is soft-deleted, as
    instances still name it."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    suffix = models.CharField(max_length=64)

    class Meta:
        db_table = "device_sn_suffix"
        ordering = ["id"]
        indexes = [models.Index(fields=["suffix", "device"], name="device_sn_suffix_match")]

    def __str__(self):
        return f"{self.device_id}:{self.suffix}"


class DeviceUserNameSuffix(models.Model):
    """Every suffix of a device's owner name (``user_name``), for the list's substring filter
    ``userName`` (see core.suffixes). Written by ``DEVICE_USER_NAME_SUFFIXES``' triggers: the
    name changes with every sale, release and move, and nothing else writes here."""

    row_key = models.BigIntegerField(db_index=True)  # the device's id
    suffix = models.CharField(max_length=64)

    class Meta:
        db_table = "device_user_name_suffix"
        ordering = ["id"]
        indexes = [models.Index(fields=["suffix", "row_key"], name="device_user_name_match")]

    def __str__(self):
        return f"{self.row_key}:{self.suffix}"


DEVICE_SN_SUFFIXES = SuffixIndex(
    table="device",
    column="sn",
    suffixes="device_sn_suffix",
    name="device_sn_suffix",
    key="device_id",
)

DEVICE_USER_NAME_SUFFIXES = SuffixIndex(
    table="device",
    column="user_name",
    suffixes="device_user_name_suffix",
    name="device_user_name_suffix",
)


class DeviceCount(models.Model):
    """How many live devices have each IDC, device type (0: none yet), manage status and
    collect status (the device list's equality filters), split over slots: describeDevices'
    totalCount for those filters is a SUM over a few of these rows (``DEVICE_COUNTS``'
    triggers keep them exact; nothing else writes here)."""

    idc_key = models.BigIntegerField()
    device_type_key = models.BigIntegerField()
    manage_status = models.CharField(max_length=16)
    collect_status = models.CharField(max_length=1)
    slot = models.PositiveSmallIntegerField()
    live_rows = models.BigIntegerField()

    class Meta:
        db_table = "device_count"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idc_key", "device_type_key", "manage_status", "collect_status", "slot"],
                name="device_count_group",
            )
        ]

    def __str__(self):
        return f"{self.idc_key}:{self.device_type_key}:{self.manage_status}:{self.live_rows}"


DEVICE_COUNTS = GroupCount(
    table="device",
    counts="device_count",
    keys={
        "idc_key": "{row}.idc_id",
        "device_type_key": "COALESCE({row}.device_type_id, 0)",
        "manage_status": "{row}.manage_status",
        "collect_status": "{row}.collect_status",
    },
    name="device_count",
)


class Disk(SoftDeleteModel):
    """A physical disk the hardware collection found (behind a controller, NVMe, or plain)."""

    disk_id = models.CharField(max_length=64, unique=True)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="disks")
    name = models.CharField(max_length=64, blank=True, default="")
    enclosure = models.CharField(max_length=32, blank=True, default="")
    slot = models.IntegerField(default=0)
    disk_type = models.CharField(max_length=16, blank=True, default="")  # system / data
    types = models.CharField(max_length=16)  # choices.DISK_CONTROLLER / DISK_NVME / DISK_PANFU
    size = models.CharField(max_length=32, blank=True, default="")  # a decimal, as collected
    size_unit = models.CharField(max_length=8, blank=True, default="")  # MB / GB / TB
    pd_type = models.CharField(max_length=16, blank=True, default="")  # SATA / SAS / NVME
    adapter_id = models.IntegerField(default=0)
    media_type = models.CharField(max_length=16, blank=True, default="")  # SSD / HDD
    device_path = models.CharField(max_length=255, blank=True, default="")
    index = models.IntegerField(default=0)
    serial_number = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        db_table = "disk"
        ordering = ["index", "id"]

    def __str__(self):
        return self.disk_id


class DeviceVolumeDisk(models.Model):
    """A disk chosen for a volume of the device's type. A disk serves one volume at most."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="volume_disks")
    volume = models.ForeignKey(
        "catalog.Volume", on_delete=models.CASCADE, related_name="device_disks"
    )
    disk = models.ForeignKey(Disk, on_delete=models.CASCADE, related_name="volume_links")
    volume_type = models.CharField(max_length=16)  # copied from the volume: system / data
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "r_device_volume_disks"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["disk"], name="r_device_volume_disks_unique_disk"),
        ]

    def __str__(self):
        return f"{self.device_id}:{self.volume_id}:{self.disk_id}"


class Interface(SoftDeleteModel):
    """A NIC the hardware collection found, with the switch port it is cabled to."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="interfaces")
    interface_name = models.CharField(max_length=32)  # eth0, eth1, ...
    interface_type = models.CharField(max_length=8)  # choices.INTERFACE_LAN / INTERFACE_WAN
    mac = models.CharField(max_length=17)
    # NULL when unknown, so that unknown ports never clash in the unique constraint.
    switch_ip = models.CharField(max_length=45, null=True, blank=True)  # noqa: DJ001
    switch_port = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    ipv4_address = models.CharField(max_length=15, blank=True, default="")
    ipv6_address = models.CharField(max_length=45, blank=True, default="")
    nic_number = models.IntegerField(default=0)
    bus_info = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "interface"
        ordering = ["device", "interface_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["switch_ip", "switch_port", "delete_marker"],
                name="interface_unique_live_switch_port",
            ),
        ]

    def __str__(self):
        return f"{self.device_id}:{self.interface_name}"

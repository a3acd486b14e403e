"""Instances: an operating system installed on a device for a user, in a project."""

from contextvars import ContextVar

from django.db import models

from bmp_openapi.catalog import choices as catalog_choices
from bmp_openapi.core.group_counts import GroupCount
from bmp_openapi.core.models import LiveManager, SoftDeleteModel
from bmp_openapi.core.suffixes import SuffixIndex
from bmp_openapi.instances import choices, states

# Opened only by ``instances.services.lifecycle.instance_transition``, the one writer of an
# instance's status (it checks ``states.TRANSITIONS``): any other save or update that changes
# the status raises, so a bypass fails the first test that runs it.
STATUS_WRITER: ContextVar[bool] = ContextVar("instance_status_writer", default=False)


class StatusWriteRefused(RuntimeError):
    """A status written outside ``instance_transition`` (a programming error, never a 4xx)."""


class InstanceQuerySet(models.QuerySet):
    def update(self, **columns):
        if "status" in columns and not STATUS_WRITER.get():
            raise StatusWriteRefused("an instance's status changes only in instance_transition")
        return super().update(**columns)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "status" in fields and not STATUS_WRITER.get():
            raise StatusWriteRefused("an instance's status changes only in instance_transition")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if any(instance.status != states.INITIAL for instance in objs):
            raise StatusWriteRefused(f"a new instance is {states.INITIAL}")
        return super().bulk_create(objs, *args, **kwargs)


class LiveInstanceManager(LiveManager.from_queryset(InstanceQuerySet)):
    pass


class Instance(SoftDeleteModel):
    instance_id = models.CharField(max_length=64, unique=True)  # "bmp-" + 28 of [0-9a-z]
    instance_name = models.CharField(max_length=128)
    hostname = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=32, default=states.INITIAL)
    reason = models.CharField(max_length=64, blank=True, default="")
    reason_message = models.CharField(max_length=512, blank=True, default="")
    locked = models.CharField(max_length=8, default=choices.UNLOCKED)
    description = models.CharField(max_length=256, blank=True, default="")
    # No index of their own (db_index=False): the list indexes below start with them. A lone
    # key index invites MariaDB to intersect it with delete_marker's (every live row) and sort
    # the result, instead of reading the list's index in order (a project's page: 16 ms -> 2).
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    idc = models.ForeignKey("idcs.Idc", on_delete=models.PROTECT, related_name="+", db_index=False)
    # The device it runs on; kept after destruction, for the record.
    device = models.ForeignKey("devices.Device", on_delete=models.PROTECT, related_name="+")
    device_type = models.ForeignKey(
        "catalog.DeviceType", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    image = models.ForeignKey("catalog.Image", on_delete=models.PROTECT, related_name="+")
    system_volume_raid = models.ForeignKey(
        "catalog.Raid", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    boot_mode = models.CharField(max_length=16, default=choices.BOOT_UEFI)
    # The root password for the next install or reset (encrypted; cleared when the job ends).
    password_encrypted = models.TextField(blank=True, default="")
    ssh_keys = models.ManyToManyField(
        "sshkeys.SshKey", db_table="r_instance_sshkey", blank=True, related_name="+"
    )
    user_data = models.TextField(blank=True, default="")  # base64, as upstream
    # installBmpAgent: the install puts the in-band monitoring agent into the installed system.
    install_bmp_agent = models.BooleanField(default=False)
    # (ours) The installed system's software RAID arrays, as its monitoring agent last reported
    # them (/proc/mdstat, with its heartbeat; monitoring.services.agent_software_raid_report):
    # [{name, level, devices, state, degraded}]. Emptied by a reinstall.
    software_raid = models.JSONField(default=list, blank=True)
    # The job running for it now (or last), and how far it got.
    job_id = models.CharField(max_length=64, blank=True, default="")
    progress = models.JSONField(default=dict, blank=True)
    power = models.CharField(max_length=8, blank=True, default="")  # last observed: on / off

    objects = LiveInstanceManager()
    all_objects = InstanceQuerySet.as_manager()

    class Meta:
        db_table = "instance"
        ordering = ["-created_at", "-id"]
        indexes = [
            # As the device's: the list's order, alone and after each filter on a column of
            # the table (a filter on a joined table's unique id makes that table a constant).
            # The list's order (created_at, then id: named, so the name can follow) with the
            # name: instanceName is a substring filter, which no index can seek; with the names
            # in the list's order, its page and count read this index, not the rows.
            models.Index(
                fields=["delete_marker", "created_at", "id", "instance_name"],
                name="instance_live_created_name",
            ),
            # With the owner: a tenant's list of a project tests "mine, or shared" on this
            # index alone (the id is in every index entry).
            models.Index(
                fields=["project", "delete_marker", "created_at", "id", "user"],
                name="instance_project_owner",
            ),
            models.Index(fields=["user", "delete_marker", "created_at"], name="instance_user"),
            models.Index(fields=["status", "delete_marker", "created_at"], name="instance_status"),
            models.Index(fields=["idc", "delete_marker", "created_at"], name="instance_idc"),
            models.Index(
                fields=["device_type", "delete_marker", "created_at"], name="instance_device_type"
            ),
        ]
        constraints = [
            # Upstream: an instance name is unique among its user's instances.
            models.UniqueConstraint(
                fields=["user", "instance_name", "delete_marker"],
                name="instance_unique_live_name_per_user",
            ),
        ]

    def __str__(self):
        return self.instance_id

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._status_loaded = instance.__dict__.get("status")
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._status_loaded = self.__dict__.get("status")

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        loaded = "status" in self.__dict__  # a deferred status is not written
        writes_status = loaded and (update_fields is None or "status" in update_fields)
        if writes_status and not STATUS_WRITER.get():
            before = states.INITIAL if self._state.adding else self._status_loaded
            if self.status != before:
                raise StatusWriteRefused(
                    f"instance {self.instance_id}: {before} -> {self.status} outside "
                    "instance_transition"
                )
        super().save(*args, **kwargs)
        self._status_loaded = self.status


class InstanceNameSuffix(models.Model):
    """Every suffix of an instance's name, for the lists' substring filter ``instanceName``
    (see core.suffixes). Written by ``INSTANCE_NAME_SUFFIXES``' triggers (create, modify,
    reinstall and any other writer of the name); nothing else writes here."""

    row_key = models.BigIntegerField(db_index=True)  # the instance's id
    suffix = models.CharField(max_length=128)

    class Meta:
        db_table = "instance_name_suffix"
        ordering = ["id"]
        indexes = [models.Index(fields=["suffix", "row_key"], name="instance_name_match")]

    def __str__(self):
        return f"{self.row_key}:{self.suffix}"


INSTANCE_NAME_SUFFIXES = SuffixIndex(
    table="instance",
    column="instance_name",
    suffixes="instance_name_suffix",
    name="instance_name_suffix",
)


class InstanceCount(models.Model):
    """How many live instances have each IDC, device type and status (the fleet list's
    equality filters), split over slots: the list's totalCount for those filters is a SUM over
    a few of these rows (``INSTANCE_COUNTS``' triggers keep them exact; nothing else writes
    here)."""

    idc_key = models.BigIntegerField()
    device_type_key = models.BigIntegerField()
    status = models.CharField(max_length=32)
    slot = models.PositiveSmallIntegerField()
    live_rows = models.BigIntegerField()

    class Meta:
        db_table = "instance_count"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idc_key", "device_type_key", "status", "slot"],
                name="instance_count_group",
            )
        ]

    def __str__(self):
        return f"{self.idc_key}:{self.device_type_key}:{self.status}:{self.live_rows}"


INSTANCE_COUNTS = GroupCount(
    table="instance",
    counts="instance_count",
    keys={
        "idc_key": "{row}.idc_id",
        "device_type_key": "{row}.device_type_id",
        "status": "{row}.status",
    },
    name="instance_count",
)


class InstancePartition(models.Model):
    """A partition the install makes (sizes in MB): on the system disk, or on the data disks
    (reinstall's dataPartition). Numbered from 1 on each."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="partitions")
    volume_type = models.CharField(max_length=8, default=catalog_choices.VOLUME_SYSTEM)
    number = models.PositiveSmallIntegerField()
    point = models.CharField(max_length=255)  # "/", "/var", "swap"
    fs_type = models.CharField(max_length=16)
    size_mb = models.PositiveIntegerField()

    class Meta:
        db_table = "instance_partition"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "volume_type", "number"], name="instance_partition_number"
            )
        ]

    def __str__(self):
        return f"{self.instance_id}:{self.volume_type}:{self.number}"


class InstanceVolumeRaid(models.Model):
    """The RAID level chosen for a data volume of the instance's device type (the console's
    VolumeRaids); the install's MakeRaid gets it. The system volume's is the instance's
    system_volume_raid."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="volume_raids")
    volume = models.ForeignKey("catalog.Volume", on_delete=models.PROTECT, related_name="+")
    raid = models.ForeignKey("catalog.Raid", on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "r_instance_volume_raid"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "volume"], name="r_instance_volume_raid_unique"
            )
        ]

    def __str__(self):
        return f"{self.instance_id}:{self.volume_id}:{self.raid_id}"

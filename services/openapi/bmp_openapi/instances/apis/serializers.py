"""Instance answers (one shape for list and describe) and request bodies."""

from __future__ import annotations

from rest_framework import serializers

from bmp_common.api.fields import LocalTimeField
from bmp_common.api.serializers import (
    AnswerSerializer,
    StrictCharField,
    StrictIntegerField,
    StrictItemSerializer,
    StrictSerializer,
    name_field,
    text_field,
)
from bmp_common.i18n import display_name
from bmp_openapi.accounts.apis.serializers import PASSWORD_PATTERN, PatternField
from bmp_openapi.catalog import choices as catalog_choices
from bmp_openapi.catalog.apis.serializers import RaidOutputSerializer, VolumeOutputSerializer
from bmp_openapi.catalog.fields import MountPointField
from bmp_openapi.catalog.specs import volume_specs
from bmp_openapi.core.scoping import FleetFieldsMixin
from bmp_openapi.instances import choices, states
from bmp_openapi.oob.selectors import HEALTHY

HOSTNAME_PATTERN = r"^[a-z0-9]([a-z0-9.-]{0,62}[a-z0-9])?$"
INSTANCE_NAME_PATTERN = r"^[\u4e00-\u9fa5A-Za-z0-9._:-]+$"


def _name(names, value, context):
    return display_name(names, value, context["language"])


class InstanceOutputSerializer(FleetFieldsMixin, AnswerSerializer):
    # The BMC is the operator's: a tenant manages power through the instance's actions. The
    # failure text is the driver's diagnosis (it names the BMC); reason and reasonName say why.
    fleet_only_fields = ("iloIp", "reasonMessage")

    instanceId = serializers.CharField(source="instance_id")
    instanceName = serializers.CharField(source="instance_name")
    hostname = serializers.CharField()
    status = serializers.CharField()
    statusName = serializers.SerializerMethodField()
    reason = serializers.CharField()
    reasonName = serializers.SerializerMethodField()
    reasonMessage = serializers.CharField(source="reason_message")
    locked = serializers.CharField()
    lockedName = serializers.SerializerMethodField()
    description = serializers.CharField()
    projectId = serializers.CharField(source="project.project_id")
    projectName = serializers.CharField(source="project.project_name")
    userId = serializers.CharField(source="user.user_id")
    userName = serializers.CharField(source="user.user_name")
    idcId = serializers.CharField(source="idc.idc_id")
    idcName = serializers.SerializerMethodField()
    deviceId = serializers.CharField(source="device.device_id")
    sn = serializers.CharField(source="device.sn")
    iloIp = serializers.CharField(source="device.ilo_ip")
    privateIpv4 = serializers.CharField(source="device.private_ipv4")
    privateIpv6 = serializers.CharField(source="device.private_ipv6")
    # The netmask of privateIpv4, as the guest configures it: the tenant's own server's
    # address plan, which `ip addr` in the guest shows them anyway.
    mask = serializers.CharField(source="device.mask")
    deviceTypeId = serializers.CharField(source="device_type.device_type_id")
    deviceType = serializers.CharField(source="device_type.device_type")
    deviceTypeName = serializers.CharField(source="device_type.name")
    deviceSeries = serializers.CharField(source="device_type.device_series")
    deviceSeriesName = serializers.SerializerMethodField()
    imageId = serializers.CharField(source="image.image_id")
    imageName = serializers.CharField(source="image.image_name")
    osType = serializers.CharField(source="image.os.os_type")
    osVersion = serializers.CharField(source="image.os.os_version")
    systemVolumeRaidId = serializers.SerializerMethodField()
    systemVolumeRaidName = serializers.SerializerMethodField()
    bootMode = serializers.CharField(source="boot_mode")
    interfaceMode = serializers.CharField(source="device_type.interface_mode")
    cpuAmount = serializers.IntegerField(source="device_type.cpu_amount")
    cpuCores = serializers.IntegerField(source="device_type.cpu_cores")
    cpuManufacturer = serializers.CharField(source="device_type.cpu_manufacturer")
    cpuModel = serializers.CharField(source="device_type.cpu_model")
    cpuFrequency = serializers.CharField(source="device_type.cpu_frequency")
    memType = serializers.CharField(source="device_type.mem_type")
    memSize = serializers.IntegerField(source="device_type.mem_size")
    memAmount = serializers.IntegerField(source="device_type.mem_amount")
    memFrequency = serializers.IntegerField(source="device_type.mem_frequency")
    nicAmount = serializers.IntegerField(source="device_type.nic_amount")
    nicRate = serializers.IntegerField(source="device_type.nic_rate")
    gpuAmount = serializers.IntegerField(source="device_type.gpu_amount")
    gpuManufacturer = serializers.CharField(source="device_type.gpu_manufacturer")
    gpuModel = serializers.CharField(source="device_type.gpu_model")
    # (ours) what the platform knows of the server and of the job running for it.
    power = serializers.CharField()
    jobId = serializers.CharField(source="job_id")
    jobStatus = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    allowedActions = serializers.SerializerMethodField()
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")
    # (ours) the installed system's software RAID, as its monitoring agent reports it
    softwareRaid = serializers.JSONField(source="software_raid")

    VOLUME_FIELDS = (
        *(
            f"{volume}{part}"
            for volume in ("systemVolume", "dataVolume")
            for part in ("Type", "InterfaceType", "Size", "Unit", "Amount")
        ),
        "raidCan",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        specs = volume_specs(instance.device_type)
        data.update({name: specs[name] for name in self.VOLUME_FIELDS})
        # The data volumes' RAID is not recorded per instance yet: upstream's fields, empty.
        data.update({"dataVolumeRaidId": "", "DataVolumeRaidName": ""})
        # Upstream's console Instance: a second NIC we do not record (empty), and the type's flag.
        data.update({"privateEth1Ipv4": "", "privateEth1Ipv6": "", "eth1Mask": ""})
        data["isNeedRaid"] = instance.device_type.is_need_raid
        data["volumeRaid"] = self._volume_raids(instance)
        # Out-of-band health of the instance's device (oob-alert): "ok" or "fault" each.
        device_id = instance.device.device_id if instance.device_id else ""
        data["health"] = self.context.get("health", {}).get(device_id, HEALTHY)
        return data

    def _volume_raids(self, instance) -> list[dict]:
        """Upstream's volumeRaid: each volume with the RAID level it was built with; the system
        volume's is recorded, so it is the one listed."""
        raid = instance.system_volume_raid
        if raid is None:
            return []
        return [
            {
                "volume": VolumeOutputSerializer(volume).data,
                "raid": RaidOutputSerializer(raid, context=self.context).data,
            }
            for volume in instance.device_type.volumes.all()
            if volume.volume_type == catalog_choices.VOLUME_SYSTEM
        ]

    def get_jobStatus(self, instance):
        """The running job's status (``queued`` while its message waits for the broker); empty
        once the instance is no longer in a job's transitional status."""
        return self.context.get("job_statuses", {}).get(instance.job_id, "")

    def get_progress(self, instance):
        """The running job's step now (the scheduler keeps it in the cache), else the last one
        openapi was told of."""
        if instance.status in states.JOB_RUNNING:
            live = self.context.get("progress", {}).get(instance.job_id)
            if live is not None:
                return live
        return instance.progress

    def get_statusName(self, instance):
        return _name(choices.STATUS_NAMES, instance.status, self.context)

    def get_reasonName(self, instance):
        return (
            choices.reason_name(instance.reason, self.context["language"])
            if instance.reason
            else ""
        )

    def get_lockedName(self, instance):
        return _name(choices.LOCKED_NAMES, instance.locked, self.context)

    def get_idcName(self, instance):
        return instance.idc.name if self.context["language"] == "zh_CN" else instance.idc.name_en

    def get_deviceSeriesName(self, instance):
        return _name(catalog_choices.NAMES, instance.device_type.device_series, self.context)

    def get_systemVolumeRaidId(self, instance):
        raid = instance.system_volume_raid
        return raid.raid_id if raid else ""

    def get_systemVolumeRaidName(self, instance):
        raid = instance.system_volume_raid
        return raid.name if raid else ""

    def get_allowedActions(self, instance):
        return states.allowed_actions(instance.status, locked=instance.locked == choices.LOCKED)


class PartitionSerializer(StrictItemSerializer):
    format = serializers.ChoiceField(choices=["ext4", "xfs", "swap", "vfat"])
    point = MountPointField(system=True)
    size = StrictIntegerField(min_value=1, max_value=100_000_000)  # MB


class DataPartitionSerializer(StrictItemSerializer):
    """A data-disk partition: a file system mounted below / (no swap, no root)."""

    format = serializers.ChoiceField(choices=["ext4", "xfs"])
    point = MountPointField(system=False)
    size = StrictIntegerField(min_value=1, max_value=100_000_000)  # MB


def password_field():
    return PatternField(PASSWORD_PATTERN, min_length=8, max_length=30, required=False)


class _InstallSerializer(StrictSerializer):
    """What create and reinstall share."""

    imageId = name_field(64)
    systemVolumeRaidId = name_field(64)
    instanceName = PatternField(INSTANCE_NAME_PATTERN, min_length=1, max_length=128)
    hostname = PatternField(HOSTNAME_PATTERN, max_length=64, required=False)
    password = password_field()
    # One id or several, comma-separated (upstream); the service gets a list.
    sshKeyId = StrictCharField(max_length=1024, required=False, allow_blank=True)
    bootMode = serializers.ChoiceField(choices=choices.BOOT_MODES, required=False)
    boot_mode = serializers.ChoiceField(choices=choices.BOOT_MODES, required=False)
    systemPartition = PartitionSerializer(many=True, required=False, max_length=32)
    description = text_field(256)
    userData = StrictCharField(max_length=65536, required=False, allow_blank=True)
    installBmpAgent = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)  # unknown fields first
        ids = [part.strip() for part in attrs.pop("sshKeyId", "").split(",") if part.strip()]
        attrs["sshKeyIds"] = list(dict.fromkeys(ids))
        upstream = attrs.pop("boot_mode", None)
        attrs.setdefault("bootMode", upstream or "")
        return attrs


class VolumeRaidChoiceSerializer(StrictItemSerializer):
    """A volume's RAID choice; the service checks it against the device type."""

    volumeId = name_field(64)
    raidId = name_field(64)
    volumeType = serializers.ChoiceField(choices=catalog_choices.VOLUME_TYPES, required=False)
    raidCan = StrictCharField(max_length=16, required=False, allow_blank=True)  # ignored


class CreateInstanceSerializer(_InstallSerializer):
    idcId = name_field(64)
    projectId = name_field(64)
    deviceTypeId = name_field(64)
    count = StrictIntegerField(min_value=1, max_value=choices.MAX_COUNT, required=False)
    # upstream's console spelling (capital V)
    VolumeRaids = VolumeRaidChoiceSerializer(many=True, required=False, max_length=16)


class ReinstallInstanceSerializer(_InstallSerializer):
    keepData = serializers.BooleanField(required=False)
    dataPartition = DataPartitionSerializer(many=True, required=False, max_length=32)


class ModifyInstanceSerializer(StrictSerializer):
    instanceName = PatternField(INSTANCE_NAME_PATTERN, min_length=1, max_length=128, required=False)
    description = text_field(256)


class ResetPasswordSerializer(StrictSerializer):
    password = PatternField(PASSWORD_PATTERN, min_length=8, max_length=30)


def ids_field():
    return serializers.ListField(child=name_field(64), min_length=1, max_length=choices.MAX_COUNT)


class InstanceIdsSerializer(StrictSerializer):
    """start/stop/restart batches: ``instanceIds``."""

    instanceIds = ids_field()


class SnakeInstanceIdsSerializer(StrictSerializer):
    """delete batch: ``instance_ids`` (upstream's spelling)."""

    instance_ids = ids_field()


class ModifyInstancesSerializer(ModifyInstanceSerializer):
    instance_ids = ids_field()


class ResetPasswordsSerializer(ResetPasswordSerializer):
    instance_ids = ids_field()


class InstanceForShareOutputSerializer(serializers.Serializer):
    instanceId = serializers.CharField(source="instance_id")
    instanceName = serializers.CharField(source="instance_name")
    hasShared = serializers.SerializerMethodField()

    def get_hasShared(self, instance) -> bool:
        return instance.instance_id in self.context["shared"]


class MoveInstancesSerializer(StrictSerializer):
    instanceIDs = StrictCharField(min_length=1, max_length=6500)
    ownerProjectID = name_field(64)
    moverProjectID = name_field(64)
    ownerID = name_field(64)
    moverID = name_field(64)

    def validate_instanceIDs(self, value: str) -> list[str]:
        ids = list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        if not ids:
            raise serializers.ValidationError("name at least one instance id")
        return ids

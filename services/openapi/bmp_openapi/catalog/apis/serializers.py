"""Serializers of the catalog: request bodies and filters as the contract says them, and the
answers with upstream's field names (``...Name`` twins and summary strings in the request
language)."""

from __future__ import annotations

import json
from decimal import Decimal

from rest_framework import serializers

from bmp_common.api.fields import LocalTimeField, UnixSecondsField, row_id_field
from bmp_common.api.paging import PageQuerySerializer
from bmp_common.api.serializers import (
    StrictSerializer,
    filter_field,
    name_field,
    text_field,
)
from bmp_common.i18n import ZH_CN, display_name, request_language
from bmp_openapi.catalog import choices
from bmp_openapi.catalog.fields import (
    BOOT_MODE_VALUES,
    FILENAME,
    IMAGE_HASH,
    IMAGE_URL,
    OPTIONAL_ID_LIST,
    SPEC_CODE,
    VOLUME_NAME,
    VOLUME_SIZE,
    EnumField,
    IntEnumField,
    PatternField,
    StrictObject,
    id_list_field,
    int_field,
    partitions_field,
    query_enum,
)


class _Localized(serializers.Serializer):
    def language(self) -> str:
        return request_language(self.context.get("request"))


class JsonTextField(serializers.Field):
    """A structured value out as JSON text: upstream's Image partitions are strings."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Tracked(serializers.Serializer):
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")


class OsOutputSerializer(_Tracked):
    id = row_id_field()
    isDel = serializers.SerializerMethodField()
    deletedTime = serializers.SerializerMethodField()
    osId = serializers.CharField(source="os_id")
    osName = serializers.CharField(source="os_name")
    osType = serializers.CharField(source="os_type")
    osVersion = serializers.CharField(source="os_version")
    architecture = serializers.CharField()
    bits = serializers.IntegerField()
    sysUser = serializers.CharField(source="sys_user")

    # Upstream's soft-delete columns. Answers only hold live rows: never deleted.
    def get_isDel(self, os) -> int:
        return 0

    def get_deletedTime(self, os) -> str:
        return ""


class _LiveRow(serializers.Serializer):
    """Upstream's soft-delete columns: answers hold live rows only."""

    isDel = serializers.SerializerMethodField()
    deletedTime = serializers.SerializerMethodField()

    def get_isDel(self, row) -> int:
        return 0

    def get_deletedTime(self, row) -> int:
        return 0


class RaidOutputSerializer(_LiveRow):
    raidId = serializers.CharField(source="raid_id")
    name = serializers.CharField()
    descriptionEn = serializers.CharField(source="description_en")
    descriptionZh = serializers.CharField(source="description_zh")
    # Upstream's console Raid: its bookkeeping with integer (Unix seconds) times.
    createdBy = serializers.CharField(source="created_by")
    createdTime = UnixSecondsField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = UnixSecondsField(source="updated_at")


class ImageOutputSerializer(_Tracked, _Localized):
    id = row_id_field()
    imageId = serializers.CharField(source="image_id")
    imageName = serializers.CharField(source="image_name")
    osId = serializers.CharField(source="os.os_id")
    osName = serializers.CharField(source="os.os_name")
    osType = serializers.CharField(source="os.os_type")
    osVersion = serializers.CharField(source="os.os_version")
    architecture = serializers.CharField(source="os.architecture")
    format = serializers.CharField()
    bootMode = serializers.CharField(source="boot_mode")
    filename = serializers.CharField()
    url = serializers.CharField()
    hash = serializers.CharField()
    source = serializers.CharField()
    sourceName = serializers.SerializerMethodField()
    description = serializers.CharField()
    systemPartition = JsonTextField(source="system_partition")
    dataPartition = JsonTextField(source="data_partition")
    deviceTypeNum = serializers.IntegerField(source="device_type_num", default=0)
    isBind = serializers.BooleanField(source="is_bind", default=False)

    def get_sourceName(self, image) -> str:
        return display_name(choices.NAMES, image.source, self.language())


def _raids(volume) -> list:
    return [link.raid for link in volume.raid_links.all()]


def _size(volume) -> str:
    return f"{volume.volume_size}{volume.volume_unit}"


class VolumeFieldsSerializer(_LiveRow):
    """What every answer about a device type's volume says of it."""

    volumeId = serializers.CharField(source="volume_id")
    deviceTypeId = serializers.CharField(source="device_type.device_type_id")
    # Upstream's console Volume: its bookkeeping with integer times. A volume is replaced,
    # never modified: updated = created.
    createdBy = serializers.CharField(source="created_by")
    createdTime = UnixSecondsField(source="created_at")
    updatedBy = serializers.CharField(source="created_by")
    updatedTime = UnixSecondsField(source="created_at")
    volumeName = serializers.CharField(source="volume_name")
    volumeType = serializers.CharField(source="volume_type")
    diskType = serializers.CharField(source="disk_type")
    interfaceType = serializers.CharField(source="interface_type")
    volumeSize = serializers.CharField(source="volume_size")
    volumeUnit = serializers.CharField(source="volume_unit")
    volumeAmount = serializers.IntegerField(source="volume_amount")
    raidCan = serializers.CharField(source="raid_can")


class VolumeOutputSerializer(VolumeFieldsSerializer):
    raid = serializers.SerializerMethodField()
    raidId = serializers.SerializerMethodField()

    def get_raid(self, volume) -> str:
        return ",".join(raid.name for raid in _raids(volume))

    def get_raidId(self, volume) -> str:
        return ",".join(raid.raid_id for raid in _raids(volume))


class VolumeWithRaidsOutputSerializer(VolumeOutputSerializer):
    """describeVolumesByDeviceType: a volume, its RAID levels, and (later) its disks."""

    raids = serializers.SerializerMethodField()
    disks = serializers.SerializerMethodField()

    def get_raids(self, volume) -> list:
        return RaidOutputSerializer(_raids(volume), many=True, context=self.context).data

    def get_disks(self, volume) -> list:
        return []


def volume_summary(volume) -> str:
    """``960GB(480GB SATA SSD*2) RAID1``: total, (per disk, interface, type * amount), levels."""
    total = (Decimal(volume.volume_size) * volume.volume_amount).normalize()
    levels = "/".join(raid.name for raid in _raids(volume))
    text = (
        f"{total:f}{volume.volume_unit}({_size(volume)} {volume.interface_type} "
        f"{volume.disk_type}*{volume.volume_amount})"
    )
    return f"{text} {levels}" if levels else text


class DeviceTypeOutputSerializer(_Tracked, _Localized):
    id = row_id_field()
    idcId = serializers.CharField(source="idc.idc_id")
    idcName = serializers.SerializerMethodField()
    idcNameEn = serializers.CharField(source="idc.name_en")
    deviceTypeId = serializers.CharField(source="device_type_id")
    name = serializers.CharField()
    deviceType = serializers.CharField(source="device_type")
    deviceSeries = serializers.CharField(source="device_series")
    deviceSeriesName = serializers.SerializerMethodField()
    architecture = serializers.CharField()
    height = serializers.IntegerField()
    description = serializers.CharField()
    cpuSpec = serializers.CharField(source="cpu_spec")
    cpuAmount = serializers.IntegerField(source="cpu_amount")
    cpuCores = serializers.IntegerField(source="cpu_cores")
    cpuManufacturer = serializers.CharField(source="cpu_manufacturer")
    cpuModel = serializers.CharField(source="cpu_model")
    cpuFrequency = serializers.CharField(source="cpu_frequency")
    memSpec = serializers.CharField(source="mem_spec")
    memType = serializers.CharField(source="mem_type")
    memSize = serializers.IntegerField(source="mem_size")
    memAmount = serializers.IntegerField(source="mem_amount")
    memFrequency = serializers.IntegerField(source="mem_frequency")
    nicAmount = serializers.IntegerField(source="nic_amount")
    nicRate = serializers.IntegerField(source="nic_rate")
    interfaceMode = serializers.CharField(source="interface_mode")
    gpuAmount = serializers.IntegerField(source="gpu_amount")
    gpuManufacturer = serializers.CharField(source="gpu_manufacturer")
    gpuModel = serializers.CharField(source="gpu_model")
    boot_mode = serializers.CharField()
    isNeedRaid = serializers.CharField(source="is_need_raid")
    raidCan = serializers.SerializerMethodField()
    raid = serializers.SerializerMethodField()
    cpuInfo = serializers.SerializerMethodField()
    memInfo = serializers.SerializerMethodField()
    nicInfo = serializers.SerializerMethodField()
    gpuInfo = serializers.SerializerMethodField()
    svInfo = serializers.SerializerMethodField()
    dvInfo = serializers.SerializerMethodField()
    volumes = VolumeOutputSerializer(many=True)
    # Computed once devices and instances exist; 0 (and no statuses) until then.
    deviceCount = serializers.SerializerMethodField()
    instanceCount = serializers.SerializerMethodField()
    stockAvailable = serializers.SerializerMethodField()
    instanceStatus = serializers.SerializerMethodField()

    def _system_volume(self, device_type):
        volumes = [v for v in device_type.volumes.all() if v.volume_type == choices.VOLUME_SYSTEM]
        return volumes[0] if volumes else None

    def get_idcName(self, device_type) -> str:
        idc = device_type.idc
        return idc.name if self.language() == ZH_CN else idc.name_en

    def get_deviceSeriesName(self, device_type) -> str:
        return display_name(choices.NAMES, device_type.device_series, self.language())

    def get_raidCan(self, device_type) -> str:
        volume = self._system_volume(device_type)
        return volume.raid_can if volume else ""

    def get_raid(self, device_type) -> str:
        volume = self._system_volume(device_type)
        return ",".join(raid.name for raid in _raids(volume)) if volume else ""

    def get_cpuInfo(self, dt) -> str:
        cores = "物理核" if self.language() == ZH_CN else "cores"
        return (
            f"{dt.cpu_manufacturer} {dt.cpu_model}"
            f"({dt.cpu_amount}*{dt.cpu_cores}{cores},{dt.cpu_frequency}GHz)"
        )

    def get_memInfo(self, dt) -> str:
        total = dt.mem_size * dt.mem_amount
        return f"{total}GB({dt.mem_size}GB*{dt.mem_amount}){dt.mem_type} {dt.mem_frequency}MHz"

    def get_nicInfo(self, dt) -> str:
        return f"{dt.nic_amount}*{dt.nic_rate}GE"

    def get_gpuInfo(self, dt) -> str:
        if not dt.gpu_amount:
            return ""
        return f"{dt.gpu_manufacturer} {dt.gpu_model}*{dt.gpu_amount}"

    def get_svInfo(self, device_type) -> str:
        volume = self._system_volume(device_type)
        return volume_summary(volume) if volume else ""

    def get_dvInfo(self, device_type) -> str:
        return "; ".join(
            volume_summary(v)
            for v in device_type.volumes.all()
            if v.volume_type == choices.VOLUME_DATA
        )

    def get_deviceCount(self, device_type) -> int:
        return 0

    def get_instanceCount(self, device_type) -> int:
        return 0

    def get_stockAvailable(self, device_type) -> int:
        return 0

    def get_instanceStatus(self, device_type) -> list:
        return []


class ImageDeviceTypeOutputSerializer(DeviceTypeOutputSerializer):
    """describeImageDeviceTypes: a device type and whether the image is bound to it."""

    isBind = serializers.BooleanField(source="is_bind")


_GB_PER_UNIT = {"GB": Decimal(1), "TB": Decimal(1000)}


def usable_gb(volume, raid) -> int:
    """The usable capacity of ``volume`` built with ``raid``, in GB (1 TB = 1000 GB)."""
    disk = Decimal(volume.volume_size) * _GB_PER_UNIT[volume.volume_unit]
    count = Decimal(volume.volume_amount)
    data_disks = {
        choices.RAID_NO_RAID: 1,
        "RAID0": count,
        "RAID1": count / 2,
        "RAID10": count / 2,
        "RAID5": count - 1,
    }.get(raid.name, count)
    return int(disk * data_disks)


class DeviceTypeRaidOutputSerializer(serializers.Serializer):
    """describeDeviceTypeRaids: one RAID level of one volume (upstream's RDeviceTypeRaid)."""

    deviceTypeId = serializers.CharField(source="device_type.device_type_id")
    volumeId = serializers.CharField(source="volume.volume_id")
    volumeName = serializers.CharField(source="volume.volume_name")
    volumeType = serializers.CharField(source="volume.volume_type")
    raidId = serializers.CharField(source="raid.raid_id")
    raidName = serializers.CharField(source="raid.name")
    raidCan = serializers.CharField(source="volume.raid_can")
    volumeDetail = serializers.SerializerMethodField()
    diskType = serializers.CharField(source="volume.disk_type")
    interfaceType = serializers.CharField(source="volume.interface_type")
    availableValue = serializers.SerializerMethodField()
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    # Upstream's too. A link is never modified (only added or removed): updated = created.
    updatedBy = serializers.CharField(source="created_by")
    updatedTime = LocalTimeField(source="created_at")
    DiskInterfaceType = serializers.CharField(source="volume.interface_type")
    systemPartitionCount = serializers.SerializerMethodField()

    def get_systemPartitionCount(self, link) -> int:
        return 0  # upstream's field; partitions are the image's, not the volume's: always 0

    def get_volumeDetail(self, link) -> str:
        volume = link.volume
        return f"{_size(volume)} {volume.interface_type} {volume.disk_type}*{volume.volume_amount}"

    def get_availableValue(self, link) -> int:
        return usable_gb(link.volume, link.raid)


class RVolumeRaidOutputSerializer(serializers.Serializer):
    """describeVolumesRaids: one RAID level of a volume (upstream's RVolumeRaid). The link is
    never edited nor soft-deleted: updated is created, deleted is 0."""

    volumeId = serializers.CharField(source="volume.volume_id")
    # Through the volume: the prefetch caches it, the link's own foreign key is not.
    deviceTypeId = serializers.CharField(source="volume.device_type.device_type_id")
    raidId = serializers.CharField(source="raid.raid_id")
    raidName = serializers.CharField(source="raid.name")
    raidCan = serializers.CharField(source="volume.raid_can")
    isDel = serializers.ReadOnlyField(default=0)
    createdBy = serializers.CharField(source="created_by")
    createdTime = UnixSecondsField(source="created_at")
    updatedBy = serializers.CharField(source="created_by")
    updatedTime = UnixSecondsField(source="created_at")
    deletedTime = serializers.ReadOnlyField(default=0)


class VolumeRaidsOutputSerializer(VolumeFieldsSerializer):
    """describeVolumesRaids: a volume and the RAID levels it offers (upstream's VolumeRaids)."""

    raids = RVolumeRaidOutputSerializer(source="raid_links", many=True)


DEVICE_SERIES_LIST = r"^((computer|storage|gpu|other)(,(computer|storage|gpu|other))*)?$"


class VolumeItemSerializer(StrictObject):
    deviceTypeId = text_field(64)  # upstream sends it; the volume belongs to the device type
    volumeName = PatternField(VOLUME_NAME, max_length=64)
    volumeType = EnumField(choices.VOLUME_TYPES)
    diskType = EnumField(choices.DISK_TYPES)
    interfaceType = EnumField(choices.INTERFACE_TYPES)
    volumeSize = PatternField(VOLUME_SIZE, max_length=9)
    volumeUnit = EnumField(choices.VOLUME_UNITS)
    volumeAmount = int_field(1, 1000)
    raidCan = EnumField(choices.RAID_CANS)
    raid = PatternField(OPTIONAL_ID_LIST, max_length=512, required=False, allow_blank=True)


class CreateDeviceTypeSerializer(StrictSerializer):
    idcId = name_field(64)
    name = name_field(64)
    deviceType = PatternField(SPEC_CODE, max_length=64)
    deviceSeries = EnumField(choices.DEVICE_SERIES)
    architecture = EnumField(choices.ARCHITECTURES)
    height = int_field(1, choices.HEIGHT_MAX)
    description = text_field(256)
    cpuSpec = EnumField(choices.SPECS)
    cpuAmount = int_field(1, 10000)
    cpuCores = int_field(1, 10000)
    cpuManufacturer = name_field(64)
    cpuModel = name_field(64)
    cpuFrequency = name_field(64)
    memSpec = EnumField(choices.SPECS)
    memType = EnumField(choices.MEM_TYPES)
    memSize = int_field(1, 10000)
    memAmount = int_field(1, 10000)
    memFrequency = int_field(1, 100000)
    nicAmount = int_field(1, 2)
    nicRate = int_field(1, 10000)
    interfaceMode = EnumField(choices.INTERFACE_MODES)
    gpuAmount = int_field(0, 1000, required=False)
    gpuManufacturer = text_field(64)
    gpuModel = text_field(64)
    boot_mode = EnumField(BOOT_MODE_VALUES, required=False)
    isNeedRaid = EnumField(choices.IS_NEED_RAID, required=False)
    volumes = VolumeItemSerializer(many=True, min_length=1, max_length=16, allow_empty=False)


class ModifyDeviceTypeSerializer(CreateDeviceTypeSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class AssociateImageSerializer(StrictSerializer):
    deviceTypeId = name_field(64)
    imageIds = id_list_field()


class ImageFilterSerializer(PageQuerySerializer):
    """The filters describeImages and describeDeviceTypeImages share."""

    imageId = filter_field(64)
    imageName = filter_field(200)
    version = filter_field(64)
    osId = filter_field(64)
    source = query_enum(choices.IMAGE_SOURCES)
    architecture = query_enum(choices.ARCHITECTURES)
    osType = filter_field(64)


class CreateImageSerializer(StrictSerializer):
    imageName = name_field(200)
    architecture = EnumField(choices.ARCHITECTURES)
    osType = name_field(64)
    Version = name_field(64)  # upstream's spelling
    format = EnumField(choices.IMAGE_FORMATS)
    boot_mode = EnumField(BOOT_MODE_VALUES)
    filename = PatternField(FILENAME, max_length=255)
    url = PatternField(IMAGE_URL, max_length=1024)
    hash = PatternField(IMAGE_HASH, max_length=64)
    source = EnumField(choices.IMAGE_SOURCES, required=False)
    description = text_field(256)
    systemPartition = partitions_field()
    dataPartition = partitions_field()


class ModifyImageSerializer(StrictSerializer):
    imageName = name_field(200, required=False)
    description = text_field(256)


class AssociateDeviceTypeSerializer(StrictSerializer):
    imageId = name_field(64)
    deviceTypeIds = id_list_field()


class DissociateSerializer(StrictSerializer):
    """Upstream's DissociatedImageRequest, sent as the body of a DELETE."""

    deviceTypeId = name_field(64)
    imageId = name_field(64)


class OsInputSerializer(StrictSerializer):
    osName = name_field(128)
    osType = name_field(64)
    osVersion = name_field(64)
    architecture = EnumField(choices.ARCHITECTURES)
    bits = IntEnumField(choices.OS_BITS)
    sysUser = text_field(32)


RAID_NAME = r"^[0-9A-Za-z_-]+( [0-9A-Za-z_-]+)*$"


class RaidInputSerializer(StrictSerializer):
    name = PatternField(RAID_NAME, max_length=32)
    descriptionEn = text_field(256)
    descriptionZh = text_field(256)


class DeviceTypeRaidInputSerializer(StrictSerializer):
    deviceTypeId = name_field(64)
    volumeType = EnumField(choices.VOLUME_TYPES)
    raidId = name_field(64)
    volumeId = text_field(64)

"""What the device endpoints read and write: input fields as the contract says them, answers in
upstream's camelCase with ``...Name`` twins in the request language."""

from __future__ import annotations

from rest_framework import serializers

from bmp_common.api.fields import (
    TIME_FORMAT,
    LocalTimeField,
    UnixSecondsField,
    row_id_field,
    user_zone,
)
from bmp_common.api.serializers import (
    AnswerSerializer,
    MaskedSecretField,
    StrictIntegerField,
    StrictItemSerializer,
    StrictSerializer,
    secret_field,
    text_field,
)
from bmp_common.i18n import EN_US, ZH_CN, display_name
from bmp_openapi.catalog import choices as catalog_choices
from bmp_openapi.catalog.specs import device_type_specs
from bmp_openapi.core.scoping import FleetFieldsMixin, sees_fleet
from bmp_openapi.devices import choices
from bmp_openapi.devices.fields import (
    Ipv4Field,
    Ipv6Field,
    MacField,
    PatternField,
    VisibleNameField,
)
from bmp_openapi.devices.network import NETMASKS, SN_PATTERN
from bmp_openapi.instances import choices as instance_choices
from bmp_openapi.oob.selectors import HEALTHY


def architecture_field():
    return serializers.ChoiceField(choices=catalog_choices.ARCHITECTURES, required=False)


class DeviceSpecSerializer(StrictItemSerializer):
    """One device of createDevice."""

    sn = PatternField(SN_PATTERN, message="letters, digits, '.', '_' and '-' only", max_length=64)
    cabinet = VisibleNameField(64)
    uPosition = VisibleNameField(64)
    mac1 = MacField()
    mac2 = MacField(required=False, allow_blank=True)
    privateIpv4 = Ipv4Field()
    privateIpv6 = Ipv6Field(required=False)
    mask = serializers.ChoiceField(choices=NETMASKS)
    gateway = Ipv4Field()
    iloIp = Ipv4Field()
    iloPort = StrictIntegerField(min_value=1, max_value=65535, required=False)
    bmcInterface = serializers.ChoiceField(choices=choices.BMC_INTERFACES, required=False)
    iloUser = text_field(64)
    iloPassword = secret_field()
    description = text_field(256)
    brand = text_field(64)
    model = text_field(64)
    architecture = architecture_field()


class CreateDevicesSerializer(StrictSerializer):
    idcId = VisibleNameField(64)
    devices = DeviceSpecSerializer(many=True, min_length=1, max_length=choices.MAX_IMPORT)


class ModifyDeviceSerializer(StrictSerializer):
    """modifyDevice: every field optional; the SN and the IDC are for good."""

    cabinet = VisibleNameField(64, required=False)
    uPosition = VisibleNameField(64, required=False)
    brand = text_field(64)
    model = text_field(64)
    architecture = architecture_field()
    description = text_field(256)
    iloIp = Ipv4Field(required=False)
    iloPort = StrictIntegerField(min_value=1, max_value=65535, required=False)
    bmcInterface = serializers.ChoiceField(choices=choices.BMC_INTERFACES, required=False)
    iloUser = text_field(64)
    iloPassword = secret_field()
    mac1 = MacField(required=False)
    mac2 = MacField(required=False, allow_blank=True)
    privateIpv4 = Ipv4Field(required=False)
    privateIpv6 = Ipv6Field(required=False)
    mask = serializers.ChoiceField(choices=NETMASKS, required=False)
    gateway = Ipv4Field(required=False)


class DeviceIdSerializer(StrictSerializer):
    """mountDevice, unMountDevice."""

    deviceId = VisibleNameField(64)


class AssociateDeviceTypeSerializer(StrictSerializer):
    deviceId = VisibleNameField(64)
    deviceTypeId = VisibleNameField(64)


class VolumeDisksSerializer(StrictItemSerializer):
    volumeId = VisibleNameField(64)
    diskId = serializers.ListField(child=VisibleNameField(64), max_length=64)


class AssociateDisksSerializer(StrictSerializer):
    deviceId = VisibleNameField(64)
    deviceTypeId = VisibleNameField(64)
    volumes = VolumeDisksSerializer(many=True, max_length=64)


# Answers


def _language(serializer) -> str:
    return serializer.context.get("language", EN_US)


def device_type_summary(device_type, language: str) -> dict:
    """Upstream's one-line specs of a device type (cpuInfo, memInfo, nicInfo, gpuInfo)."""
    if device_type is None:
        return {"cpuInfo": "", "memInfo": "", "nicInfo": "", "gpuInfo": ""}
    t = device_type
    cores = "物理核" if language == ZH_CN else "cores"
    gpu = f"{t.gpu_manufacturer} {t.gpu_model}*{t.gpu_amount}" if t.gpu_amount else ""
    return {
        "cpuInfo": f"{t.cpu_manufacturer} {t.cpu_model}"
        f"({t.cpu_amount}*{t.cpu_cores}{cores},{t.cpu_frequency}GHz)",
        "memInfo": f"{t.mem_amount * t.mem_size}GB({t.mem_size}GB*{t.mem_amount})"
        f"{t.mem_type} {t.mem_frequency}MHz",
        "nicInfo": f"{t.nic_amount}*{t.nic_rate}GE",
        "gpuInfo": gpu,
    }


INSTANCE_SUMMARY_FIELDS = (
    "instanceName",
    "instanceStatus",
    "instanceStatusName",
    "instanceReason",
    "instanceDescription",
    "instanceCreatedTime",
    "imageName",
    "locked",
)

# Upstream's device fields for what we do not record (a second NIC, switch ports and their
# credentials, the RAID controller's slots): present with upstream's type, empty or 0. They
# describe the fleet's wiring, so tenants do not get them.
UNRECORDED_FLEET_FIELDS = {
    "privateEth1Ipv4": "",
    "privateEth1Ipv6": "",
    "eth1Mask": "",
    "switchIp": "",
    "switchIp1": "",
    "switchIp2": "",
    "switchPort1": "",
    "switchPort2": "",
    "switchUser1": "",
    "switchUser2": "",
    "switchPassword1": "",
    "switchPassword2": "",
    "raidDriver": "",
    "adapterId": 0,
    "enclosure1": "",
    "Enclosure2": "",
    "slot1": 0,
    "slot2": 0,
}


class DeviceOutputSerializer(FleetFieldsMixin, AnswerSerializer):
    # What runs the platform, not the server a tenant rents: the BMC, the provisioning NICs and
    # subnet, the rack, the operator's notes and checks, and who owns it (the instance says).
    fleet_only_fields = (
        "bmcCredentialState",
        "bmcCredentialStateName",
        "bmcCredentialReason",
        "bmcCredentialTime",
        "reason",
        "reasonName",
        "collectStatus",
        "collectStatusName",
        "collectFailReason",
        "cabinet",
        "uPosition",
        "iloIp",
        "iloPort",
        "bmcInterface",
        "bmcInterfaceDetected",
        "iloUser",
        "iloPassword",
        "mac1",
        "mac2",
        "mask",
        "gateway",
        "description",
        "userId",
        "userName",
        "createdBy",
        "updatedBy",
    )

    id = row_id_field()
    deviceId = serializers.CharField(source="device_id")
    sn = serializers.CharField()
    idcId = serializers.CharField(source="idc.idc_id")
    idcName = serializers.SerializerMethodField()
    idcNameEn = serializers.CharField(source="idc.name_en")
    deviceTypeId = serializers.SerializerMethodField()
    deviceType = serializers.SerializerMethodField()
    deviceTypeName = serializers.SerializerMethodField()
    deviceSeries = serializers.SerializerMethodField()
    deviceSeriesName = serializers.SerializerMethodField()
    architecture = serializers.SerializerMethodField()
    manageStatus = serializers.CharField(source="manage_status")
    manageStatusName = serializers.SerializerMethodField()
    reason = serializers.CharField()
    reasonName = serializers.SerializerMethodField()
    collectStatus = serializers.CharField(source="collect_status")
    collectStatusName = serializers.SerializerMethodField()
    collectFailReason = serializers.CharField(source="collect_fail_reason")
    cabinet = serializers.CharField()
    uPosition = serializers.CharField(source="u_position")
    brand = serializers.CharField()
    model = serializers.CharField()
    iloIp = serializers.CharField(source="ilo_ip")
    iloPort = serializers.IntegerField(source="ilo_port")
    bmcInterface = serializers.CharField(source="bmc_interface")
    bmcInterfaceDetected = serializers.CharField(source="bmc_interface_detected")
    iloUser = serializers.CharField(source="ilo_user")
    iloPassword = MaskedSecretField(source="ilo_password_encrypted")
    bmcCredentialState = serializers.CharField(source="bmc_credential_state")
    bmcCredentialStateName = serializers.SerializerMethodField()
    bmcCredentialReason = serializers.CharField(source="bmc_credential_reason")
    bmcCredentialTime = LocalTimeField(source="bmc_credential_changed_at")
    mac1 = serializers.CharField()
    mac2 = serializers.CharField()
    privateIpv4 = serializers.CharField(source="private_ipv4")
    privateIpv6 = serializers.CharField(source="private_ipv6")
    mask = serializers.CharField()
    gateway = serializers.CharField()
    description = serializers.CharField()
    instanceId = serializers.CharField(source="instance_id")
    userId = serializers.CharField(source="user_id")
    userName = serializers.CharField(source="user_name")
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data.update(device_type_summary(instance.device_type, _language(self)))
        data.update(device_type_specs(instance.device_type))
        data.update(self._instance_summary(instance))
        # Out-of-band health (oob-alert's unhandled faults per component): "ok" or "fault".
        data["health"] = self.context.get("health", {}).get(instance.device_id, HEALTHY)
        request = self.context.get("request")
        if request is not None and sees_fleet(request.user):
            data.update(UNRECORDED_FLEET_FIELDS)
        return data

    def _instance_summary(self, device) -> dict:
        """Upstream's summary of the instance on the device (empty without one)."""
        instance = self.context.get("instances", {}).get(device.instance_id)
        if instance is None:
            return dict.fromkeys(INSTANCE_SUMMARY_FIELDS, "")
        request = self.context.get("request")
        zone = user_zone(getattr(request, "user", None))
        return {
            "instanceName": instance.instance_name,
            "instanceStatus": instance.status,
            "instanceStatusName": display_name(
                instance_choices.STATUS_NAMES, instance.status, _language(self)
            ),
            "instanceReason": instance.reason,
            "instanceDescription": instance.description,
            "instanceCreatedTime": instance.created_at.astimezone(zone).strftime(TIME_FORMAT),
            "imageName": instance.image.image_name,
            "locked": instance.locked,
        }

    def get_idcName(self, device):
        return device.idc.name if _language(self) == ZH_CN else device.idc.name_en

    def _type(self, device, attribute: str) -> str:
        return getattr(device.device_type, attribute) if device.device_type else ""

    def get_deviceTypeId(self, device):
        return self._type(device, "device_type_id")

    def get_deviceType(self, device):
        return self._type(device, "device_type")

    def get_deviceTypeName(self, device):
        return self._type(device, "name")

    def get_deviceSeries(self, device):
        return self._type(device, "device_series")

    def get_deviceSeriesName(self, device):
        series = self._type(device, "device_series")
        return display_name(catalog_choices.NAMES, series, _language(self)) if series else ""

    def get_architecture(self, device):
        # What the collection (or the operator) says; the type's otherwise.
        return device.architecture or self._type(device, "architecture")

    def get_manageStatusName(self, device):
        return display_name(choices.MANAGE_STATUS_NAMES, device.manage_status, _language(self))

    def get_reasonName(self, device):
        return display_name(choices.REASON_NAMES, device.reason, _language(self))

    def get_bmcCredentialStateName(self, device):
        names = choices.BMC_CREDENTIAL_STATE_NAMES
        return display_name(names, device.bmc_credential_state, _language(self))

    def get_collectStatusName(self, device):
        return display_name(choices.COLLECT_STATUS_NAMES, device.collect_status, _language(self))


class DiskOutputSerializer(FleetFieldsMixin, serializers.Serializer):
    fleet_only_fields = ("serialNumber",)

    diskId = serializers.CharField(source="disk_id")
    deviceId = serializers.CharField(source="device.device_id")
    name = serializers.CharField()
    enclosure = serializers.CharField()
    slot = serializers.IntegerField()
    diskType = serializers.CharField(source="disk_type")
    types = serializers.CharField()
    size = serializers.CharField()
    sizeUnit = serializers.CharField(source="size_unit")
    pdType = serializers.CharField(source="pd_type")
    adapterId = serializers.IntegerField(source="adapter_id")
    mediaType = serializers.CharField(source="media_type")
    devicePath = serializers.CharField(source="device_path")
    index = serializers.IntegerField()
    serialNumber = serializers.CharField(source="serial_number")
    # Upstream's Disk carries its row's bookkeeping with integer (Unix seconds) times.
    createdBy = serializers.CharField(source="created_by")
    createdTime = UnixSecondsField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = UnixSecondsField(source="updated_at")
    isDel = serializers.SerializerMethodField()
    deletedTime = serializers.SerializerMethodField()
    selected = serializers.SerializerMethodField()

    def get_selected(self, disk) -> bool:
        return disk.pk in self.context.get("selected_disks", ())

    def get_isDel(self, disk) -> int:
        return 0  # answers hold live disks only

    def get_deletedTime(self, disk) -> int:
        return 0


class RaidBriefSerializer(serializers.Serializer):
    raidId = serializers.CharField(source="raid_id")
    name = serializers.CharField()
    descriptionEn = serializers.CharField(source="description_en")
    descriptionZh = serializers.CharField(source="description_zh")


class VolumeDisksOutputSerializer(serializers.Serializer):
    """A volume of the device's type with the RAID levels it allows and the disks it has."""

    volumeId = serializers.CharField(source="volume.volume_id")
    volumeName = serializers.CharField(source="volume.volume_name")
    volumeType = serializers.CharField(source="volume.volume_type")
    volumeTypeName = serializers.SerializerMethodField()
    diskType = serializers.CharField(source="volume.disk_type")
    interfaceType = serializers.CharField(source="volume.interface_type")
    volumeSize = serializers.CharField(source="volume.volume_size")
    volumeUnit = serializers.CharField(source="volume.volume_unit")
    volumeAmount = serializers.IntegerField(source="volume.volume_amount")
    raidCan = serializers.CharField(source="volume.raid_can")
    raid = serializers.SerializerMethodField()
    raidId = serializers.SerializerMethodField()
    raids = RaidBriefSerializer(many=True)
    disks = DiskOutputSerializer(many=True)

    def get_raid(self, item) -> str:
        return ",".join(raid.name for raid in item["raids"])

    def get_raidId(self, item) -> str:
        return ",".join(raid.raid_id for raid in item["raids"])

    def get_volumeTypeName(self, item):
        kind = item["volume"].volume_type
        return display_name(catalog_choices.NAMES, kind, _language(self))


class DeviceDisksOutputSerializer(serializers.Serializer):
    disks = DiskOutputSerializer(many=True)
    panfu = DiskOutputSerializer(many=True)
    volumes = VolumeDisksOutputSerializer(many=True)


class CollectSpecSerializer(StrictItemSerializer):
    sn = PatternField(SN_PATTERN, message="letters, digits, '.', '_' and '-' only", max_length=64)
    allowOverride = serializers.BooleanField(required=False)


class CollectDevicesSerializer(StrictSerializer):
    """collectDeviceInfo: up to 100 devices at once (upstream's parallel limit)."""

    collects = CollectSpecSerializer(many=True, min_length=1, max_length=100)

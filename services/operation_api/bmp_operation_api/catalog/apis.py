"""Device types (with the form's presets), OSs, RAID levels, default partitions, and the
"is this name taken" check."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common.bff.views import BffApi
from bmp_common.i18n import header_language
from bmp_operation_api import exports
from bmp_operation_api.catalog import presets
from bmp_operation_api.relay import relay

BOOT_MODES = ["UEFI", "Legacy/BIOS"]


class FilterListApi(BffApi):
    """GET /filterList: what the device-type form offers: CPU and memory presets, architectures,
    boot modes, and each volume RAID choice with its RAID levels' ids."""

    def get(self, request):
        language = header_language(request) or ""
        raids = self.openapi("describeRaids")["raids"]
        return Response(
            {
                "architecture": presets.architectures(),
                "bootMode": BOOT_MODES,
                "cpu": presets.cpu_presets(language),
                "mem": presets.memory_presets(),
                "raidRules": presets.raid_rules(raids, language),
            }
        )


# -- device types ----------------------------------------------------------------------------

DeviceTypesApi = relay(
    {"put": "createDeviceType", "get": "describeDeviceTypes"}, export=exports.DEVICE_TYPES
)
DeviceTypeGetApi = relay({"get": "describeDeviceType"}, url_to_path={"device_type_id": "dt_id"})
DeviceTypeApi = relay(
    {"put": "modifyDeviceType", "delete": "deleteDeviceType"},
    url_to_path={"device_type_id": "dt_id"},
)
DeviceTypeVolumesApi = relay(
    {"get": "describeVolumesByDeviceType"}, url_to_path={"device_type_id": "dt_id"}
)
DeviceTypeImagesApi = relay({"get": "describeDeviceTypeImages"})
# Upstream's portal unbinds with POST; openapi's operation is a DELETE with the same body.
DeviceTypeBindImagesApi = relay({"post": "associatedImage"})
DeviceTypeUnbindImageApi = relay({"post": "dissociatedImage"})


class DeviceTypeCopyApi(BffApi):
    """POST /deviceTypes/:id/copy {name, deviceType[, idcId]}: a new device type made from an
    existing one (upstream's "create from this model" page), with its volumes and RAID
    choices; the images are not bound to the copy."""

    # What describeDeviceType answers that createDeviceType takes as it is.
    FIELDS = (
        "idcId", "deviceSeries", "architecture", "height", "description", "cpuSpec",
        "cpuAmount", "cpuCores", "cpuManufacturer", "cpuModel", "cpuFrequency", "memSpec",
        "memType", "memSize", "memAmount", "memFrequency", "nicAmount", "nicRate",
        "interfaceMode", "gpuAmount", "gpuManufacturer", "gpuModel", "boot_mode", "isNeedRaid",
    )  # fmt: skip
    VOLUME_FIELDS = (
        "volumeName", "volumeType", "diskType", "interfaceType", "volumeSize", "volumeUnit",
        "volumeAmount", "raidCan",
    )  # fmt: skip

    def post(self, request, dt_id):
        source = self.openapi("describeDeviceType", path={"device_type_id": dt_id})["deviceType"]
        body = {field: source[field] for field in self.FIELDS if source.get(field) != ""}
        body["volumes"] = [
            {
                **{field: volume[field] for field in self.VOLUME_FIELDS},
                "raid": volume["raidId"],  # answered as names and ids, taken as ids
            }
            for volume in source["volumes"]
        ]
        changes = request.data if isinstance(request.data, dict) else {}
        body.update({k: v for k, v in changes.items() if k in ("name", "deviceType", "idcId")})
        return Response(self.openapi("createDeviceType", body=body))


class AvailableDeviceTypesApi(BffApi):
    """GET /deviceTypes/getAvailableDeviceTypes?idc_id= (or idcId): the IDC's device types, each
    with its stock (devices on sale with no instance), for the reinstall form."""

    def get(self, request):
        query = {"isAll": "1"}
        idc_id = request.query_params.get("idcId") or request.query_params.get("idc_id")
        if idc_id:
            query["idcId"] = idc_id
        device_types = []
        for device_type in self.openapi("describeDeviceTypes", query=query)["deviceTypes"]:
            stock = self.openapi(
                "describeDeviceStock", query={"deviceTypeId": device_type["deviceTypeId"]}
            )["stocks"]
            device_types.append({**device_type, "stocks": stock, "available": stock > 0})
        return Response({"deviceTypes": device_types})


# -- OSs, RAID levels, partitions, names -------------------------------------------------------

OssApi = relay({"get": "describeOSs"})


class OssFilterApi(BffApi):
    """GET /oss/filter: the image form's choices: each architecture's OS types and versions
    (from openapi's OSs), image formats and boot modes."""

    def get(self, request):
        tree: dict = {}
        for os_ in self.openapi("describeOSs")["oss"]:
            label = presets.ARCHITECTURE_LABELS.get(os_["architecture"], os_["architecture"])
            versions = tree.setdefault(label, {"value": os_["architecture"], "osType": {}})
            kinds = versions["osType"].setdefault(os_["osType"], [])
            if os_["osVersion"] not in kinds:
                kinds.append(os_["osVersion"])
        return Response(
            {
                "architecture": tree,
                "format": presets.enum_of("CreateImageRequest", "format"),
                "bootMode": BOOT_MODES,
            }
        )


RaidsApi = relay({"get": "describeRaids"})
VolumeRaidsApi = relay({"get": "describeDeviceTypeRaids"})
DefaultPartitionsApi = relay({"get": "describeDeviceTypeImagePartitions"})
ResourcesApi = relay({"get": "describeResources"})

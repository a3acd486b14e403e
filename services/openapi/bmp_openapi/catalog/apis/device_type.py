"""Device-type endpoints (tag ``deviceType``)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import (
    filter_field,
    name_field,
)
from bmp_common.unset import UNSET, given
from bmp_openapi.catalog import choices
from bmp_openapi.catalog.apis.image import (
    render_images,
)
from bmp_openapi.catalog.apis.serializers import (
    DEVICE_SERIES_LIST,
    AssociateImageSerializer,
    CreateDeviceTypeSerializer,
    DeviceTypeOutputSerializer,
    DeviceTypeRaidOutputSerializer,
    DissociateSerializer,
    ImageFilterSerializer,
    ModifyDeviceTypeSerializer,
    VolumeRaidsOutputSerializer,
    VolumeWithRaidsOutputSerializer,
)
from bmp_openapi.catalog.fields import (
    OPTIONAL_ID_LIST,
    query_enum,
    query_pattern,
)
from bmp_openapi.catalog.selectors import device_type as selectors
from bmp_openapi.catalog.selectors import image as image_selectors
from bmp_openapi.catalog.selectors import raid as raid_selectors
from bmp_openapi.catalog.services import bindings
from bmp_openapi.catalog.services import device_type as services
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS


def _render(request, device_type) -> dict:
    return DeviceTypeOutputSerializer(device_type, context={"request": request}).data


class DeviceTypeListCreateApi(BmpApi):
    """describeDeviceTypes (GET), createDeviceType (POST)"""

    rules = {"get": rbac.INVENTORY_READ, "post": rbac.INVENTORY_WRITE}
    audit = {"post": "CreateDeviceType"}

    class FilterSerializer(PageQuerySerializer):
        deviceTypeId = query_pattern(OPTIONAL_ID_LIST, 4096)
        deviceType = filter_field(1024)  # comma-separated spec codes
        idcId = filter_field(64)
        name = filter_field(64)
        deviceSeries = query_pattern(DEVICE_SERIES_LIST, 64)

    def get(self, request):
        items, page = paginate(selectors.device_type_list(filters=self.query), self.query)
        rows = DeviceTypeOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("deviceTypes", rows, page))

    def post(self, request):
        body = CreateDeviceTypeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        device_type = services.device_type_create(
            idc_id=values["idcId"],
            name=values["name"],
            spec_code=values["deviceType"],
            device_series=values["deviceSeries"],
            architecture=values["architecture"],
            height=values["height"],
            cpu_spec=values["cpuSpec"],
            cpu_amount=values["cpuAmount"],
            cpu_cores=values["cpuCores"],
            cpu_manufacturer=values["cpuManufacturer"],
            cpu_model=values["cpuModel"],
            cpu_frequency=values["cpuFrequency"],
            mem_spec=values["memSpec"],
            mem_type=values["memType"],
            mem_size=values["memSize"],
            mem_amount=values["memAmount"],
            mem_frequency=values["memFrequency"],
            nic_amount=values["nicAmount"],
            nic_rate=values["nicRate"],
            interface_mode=values["interfaceMode"],
            **given(
                description=values.get("description", UNSET),
                gpu_amount=values.get("gpuAmount", UNSET),
                gpu_manufacturer=values.get("gpuManufacturer", UNSET),
                gpu_model=values.get("gpuModel", UNSET),
                is_need_raid=values.get("isNeedRaid", UNSET),
                boot_mode=values.get("boot_mode", UNSET),
            ),
            volumes=values["volumes"],
            actor=request.user,
        )
        self.audit_resource = device_type.device_type_id
        return Response({"deviceTypeId": device_type.device_type_id})


class DeviceTypeDetailApi(BmpApi):
    """describeDeviceType (GET), modifyDeviceType (PUT), deleteDeviceType (DELETE)"""

    rules = {
        "get": rbac.INVENTORY_READ,
        "put": rbac.INVENTORY_WRITE,
        "delete": rbac.INVENTORY_WRITE,
    }
    audit = {"put": "ModifyDeviceType", "delete": "DeleteDeviceType"}

    def get(self, request, device_type_id):
        device_type = selectors.device_type_get(device_type_id=device_type_id)
        return Response({"deviceType": _render(request, device_type)})

    def put(self, request, device_type_id):
        self.audit_resource = device_type_id
        device_type = selectors.device_type_get(device_type_id=device_type_id)
        body = ModifyDeviceTypeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        services.device_type_modify(
            device_type=device_type,
            idc_id=values.get("idcId", UNSET),
            name=values.get("name", UNSET),
            spec_code=values.get("deviceType", UNSET),
            device_series=values.get("deviceSeries", UNSET),
            architecture=values.get("architecture", UNSET),
            height=values.get("height", UNSET),
            description=values.get("description", UNSET),
            cpu_spec=values.get("cpuSpec", UNSET),
            cpu_amount=values.get("cpuAmount", UNSET),
            cpu_cores=values.get("cpuCores", UNSET),
            cpu_manufacturer=values.get("cpuManufacturer", UNSET),
            cpu_model=values.get("cpuModel", UNSET),
            cpu_frequency=values.get("cpuFrequency", UNSET),
            mem_spec=values.get("memSpec", UNSET),
            mem_type=values.get("memType", UNSET),
            mem_size=values.get("memSize", UNSET),
            mem_amount=values.get("memAmount", UNSET),
            mem_frequency=values.get("memFrequency", UNSET),
            nic_amount=values.get("nicAmount", UNSET),
            nic_rate=values.get("nicRate", UNSET),
            interface_mode=values.get("interfaceMode", UNSET),
            gpu_amount=values.get("gpuAmount", UNSET),
            gpu_manufacturer=values.get("gpuManufacturer", UNSET),
            gpu_model=values.get("gpuModel", UNSET),
            is_need_raid=values.get("isNeedRaid", UNSET),
            boot_mode=values.get("boot_mode", UNSET),
            volumes=values.get("volumes", UNSET),
            actor=request.user,
        )
        return Response(SUCCESS)

    def delete(self, request, device_type_id):
        self.audit_resource = device_type_id
        device_type = selectors.device_type_get(device_type_id=device_type_id)
        services.device_type_delete(device_type=device_type, actor=request.user)
        return Response(SUCCESS)


class DeviceTypeVolumesApi(BmpApi):
    """describeVolumesByDeviceType (GET): the volumes with their RAID levels."""

    rules = {"get": rbac.INVENTORY_READ}

    def get(self, request, device_type_id):
        device_type = selectors.device_type_get(device_type_id=device_type_id)
        volumes = device_type.volumes.all()
        context = {"request": request}
        return Response(VolumeWithRaidsOutputSerializer(volumes, many=True, context=context).data)


class AssociateImageApi(BmpApi):
    """associatedImage (POST): binds images to one device type."""

    rules = {"post": rbac.INVENTORY_WRITE}
    audit = {"post": "AssociateDeviceTypeImages"}

    def post(self, request):
        body = AssociateImageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["deviceTypeId"]
        bindings.images_bind(
            device_type_id=body.validated_data["deviceTypeId"],
            image_ids=body.validated_data["imageIds"],
            actor=request.user,
        )
        return Response(SUCCESS)


class DissociateImageApi(BmpApi):
    """dissociatedImage (DELETE with a body): unbinds an image from a device type."""

    rules = {"delete": rbac.INVENTORY_WRITE}
    audit = {"delete": "DissociateDeviceTypeImage"}

    def delete(self, request):
        body = DissociateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["deviceTypeId"]
        bindings.unbind(
            device_type_id=body.validated_data["deviceTypeId"],
            image_id=body.validated_data["imageId"],
            actor=request.user,
        )
        return Response(SUCCESS)


class DeviceTypeImagesApi(BmpApi):
    """describeDeviceTypeImages (GET): the images bound to a device type (to any, without one)."""

    rules = {"get": rbac.INVENTORY_READ}

    class FilterSerializer(ImageFilterSerializer):
        deviceTypeId = filter_field(64)

    def get(self, request):
        device_type = None
        if self.query.get("deviceTypeId"):
            device_type = selectors.device_type_get(device_type_id=self.query["deviceTypeId"])
        queryset = image_selectors.device_type_image_list(
            filters=self.query, device_type=device_type
        )
        return Response(render_images(request, queryset, self.query))


class DeviceTypeImagePartitionsApi(BmpApi):
    """describeDeviceTypeImagePartitions (GET): the default partitions of a type and image."""

    rules = {"get": rbac.INVENTORY_READ}

    class FilterSerializer(serializers.Serializer):
        deviceTypeId = name_field(64)
        imageId = name_field(64)
        isAll = query_enum(("0", "1"))

    def get(self, request):
        device_type = selectors.device_type_get(device_type_id=self.query["deviceTypeId"])
        image = image_selectors.image_get(image_id=self.query["imageId"])
        return Response(image_selectors.image_partitions(device_type=device_type, image=image))


class DeviceTypeRaidsApi(BmpApi):
    """describeDeviceTypeRaids (GET): the RAID levels device-type volumes offer."""

    rules = {"get": rbac.INVENTORY_READ}

    class FilterSerializer(serializers.Serializer):
        deviceTypeId = filter_field(64)
        volumeType = query_enum(choices.VOLUME_TYPES)
        raidId = filter_field(64)
        isAll = query_enum(("0", "1"))

    def get(self, request):
        if self.query.get("raidId"):
            raid_selectors.raid_get(raid_id=self.query["raidId"])
        if self.query.get("deviceTypeId"):
            selectors.device_type_get(device_type_id=self.query["deviceTypeId"])
        rows = selectors.device_type_raid_list(filters=self.query)
        context = {"request": request}
        return Response(DeviceTypeRaidOutputSerializer(rows, many=True, context=context).data)


class VolumesRaidsApi(BmpApi):
    """describeVolumesRaids (GET, console): the create form's volumes and their RAID levels."""

    rules = {"get": rbac.CONSOLE_ONLY}

    class FilterSerializer(serializers.Serializer):
        deviceTypeId = name_field(64)
        volumeType = query_enum(choices.VOLUME_TYPES)
        isAll = query_enum(("0", "1"))

    def get(self, request):
        device_type = selectors.device_type_get(device_type_id=self.query["deviceTypeId"])
        volumes = selectors.volume_raids_list(
            device_type=device_type, volume_type=self.query["volumeType"]
        )
        return Response(VolumeRaidsOutputSerializer(volumes, many=True).data)

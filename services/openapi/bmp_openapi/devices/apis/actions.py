"""mountDevice, unMountDevice, removeDevice, deviceAssociateDeviceType, collectDeviceInfo."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.devices import services
from bmp_openapi.devices.apis.audit import DeviceAudited
from bmp_openapi.devices.apis.serializers import (
    AssociateDeviceTypeSerializer,
    CollectDevicesSerializer,
    DeviceIdSerializer,
)
from bmp_openapi.devices.services import jobs as device_jobs


class _DeviceActionApi(DeviceAudited, BmpApi):
    """PUT {deviceId}: one lifecycle service."""

    rules = {"put": rbac.INVENTORY_WRITE}
    service: staticmethod

    def put(self, request):
        body = DeviceIdSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["deviceId"]
        self.service(device_id=body.validated_data["deviceId"], actor=request.user)
        return Response(SUCCESS)


class DeviceMountApi(_DeviceActionApi):
    """mountDevice: put away (on sale)"""

    audit = {"put": "PutawayDevice"}
    service = staticmethod(services.device_mount)


class DeviceUnmountApi(_DeviceActionApi):
    """unMountDevice: back to stock"""

    audit = {"put": "UnPutawayDevice"}
    service = staticmethod(services.device_unmount)


class DeviceRemoveApi(DeviceAudited, BmpApi):
    """removeDevice"""

    rules = {"put": rbac.INVENTORY_WRITE}
    audit = {"put": "RemoveDevice"}

    def put(self, request, device_id):
        self.audit_resource = device_id
        services.device_remove(device_id=device_id, actor=request.user)
        return Response(SUCCESS)


class DeviceAssociateDeviceTypeApi(DeviceAudited, BmpApi):
    """deviceAssociateDeviceType"""

    rules = {"put": rbac.INVENTORY_WRITE}
    audit = {"put": "AssociateDeviceType"}

    def put(self, request):
        body = AssociateDeviceTypeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["deviceId"]
        services.device_associate_device_type(
            device_id=body.validated_data["deviceId"],
            device_type_id=body.validated_data["deviceTypeId"],
            actor=request.user,
        )
        return Response(SUCCESS)


class DeviceCollectApi(BmpApi):
    """collectDeviceInfo: boot the LiveOS on the devices and read their hardware."""

    rules = {"post": rbac.INVENTORY_WRITE}
    audit = {"post": "CollectHardwareInfo"}

    def post(self, request):
        body = CollectDevicesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        collects = body.validated_data["collects"]
        self.audit_resource = collects[0]["sn"] if len(collects) == 1 else ""
        device_jobs.devices_collect(collects=collects, actor=request.user)
        return Response(SUCCESS)

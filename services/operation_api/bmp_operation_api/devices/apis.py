"""Devices: add by form, collect their hardware, put on and take off sale, bind a device type,
associate disks with the device type's volumes, remove the instance of a sold one, delete.
(Adding devices from an Excel file is ``bmp_operation_api.device_import``.)"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.bff.views import BffApi
from bmp_operation_api import exports
from bmp_operation_api.relay import relay

DevicesApi = relay({"get": "describeDevices"}, export=exports.DEVICES)
# POST /devices {idcId, devices: [...]}: all of them or none (openapi's createDevice).
DevicesCreateApi = relay({"post": "createDevice"})
DeviceGetApi = relay({"get": "describeDevice"}, url_to_path={"device_id": "device_id"})
DeviceApi = relay(
    {"put": "modifyDevice", "delete": "deleteDevice"}, url_to_path={"device_id": "device_id"}
)
DeviceRemoveApi = relay({"put": "removeDevice"}, url_to_path={"device_id": "device_id"})
DeviceDisksApi = relay({"get": "describeDeviceDisks"}, url_to_path={"device_id": "device_id"})
AssociatedDisksApi = relay({"get": "getAssociatedDisks"})
AssociateDisksApi = relay({"put": "associateDeviceDisks"})
DeviceTypeBindApi = relay({"put": "deviceAssociateDeviceType"})


class _OneDevice(serializers.Serializer):
    deviceId = serializers.CharField(max_length=64)
    sns = serializers.CharField(required=False, allow_blank=True)  # upstream sends it, unused


class DevicePutawayApi(BffApi):
    """PUT /devices/putaway {deviceId}: on sale (checked first: it is putawaying meanwhile)."""

    operation = "mountDevice"

    def put(self, request):
        body = _OneDevice(data=request.data)
        body.is_valid(raise_exception=True)
        device = {"deviceId": body.validated_data["deviceId"]}
        return Response(self.openapi(self.operation, body=device))


class DeviceUnPutawayApi(DevicePutawayApi):
    """PUT /devices/unPutaway {deviceId}: back to stock."""

    operation = "unMountDevice"


class DeviceCollectApi(BffApi):
    """POST /devices/collect {sn, allowOverride} (upstream's, one device) or {collects: [...]}
    (up to 100): collect the hardware."""

    class InputSerializer(serializers.Serializer):
        sn = serializers.CharField(max_length=64)
        allowOverride = serializers.BooleanField(default=False)

    def post(self, request):
        if isinstance(request.data, dict) and "collects" in request.data:
            body = request.data
        else:
            one = self.InputSerializer(data=request.data)
            one.is_valid(raise_exception=True)
            body = {"collects": [dict(one.validated_data)]}
        return Response(self.openapi("collectDeviceInfo", body=body))

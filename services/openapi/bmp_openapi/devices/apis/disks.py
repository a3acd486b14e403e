"""describeDeviceDisks, associateDeviceDisks, getAssociatedDisks."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.i18n import request_language
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.devices import selectors, services
from bmp_openapi.devices.apis.audit import DeviceAudited
from bmp_openapi.devices.apis.serializers import (
    AssociateDisksSerializer,
    DeviceDisksOutputSerializer,
    DiskOutputSerializer,
)
from bmp_openapi.devices.fields import VisibleNameField


class DeviceDisksApi(BmpApi):
    """describeDeviceDisks"""

    rules = {"get": rbac.INVENTORY_READ}

    def get(self, request, device_id):
        device = selectors.device_get(principal=request.user, device_id=device_id)
        detail = selectors.device_disks_detail(device=device)
        context = {
            "request": request,
            "language": request_language(request),
            "selected_disks": detail["selected"],
        }
        return Response(DeviceDisksOutputSerializer(detail, context=context).data)


class DeviceAssociateDisksApi(DeviceAudited, BmpApi):
    """associateDeviceDisks"""

    rules = {"put": rbac.INVENTORY_WRITE}
    audit = {"put": "AssociateDeviceDisks"}

    def put(self, request):
        body = AssociateDisksSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["deviceId"]
        services.device_associate_disks(
            device_id=body.validated_data["deviceId"],
            device_type_id=body.validated_data["deviceTypeId"],
            volumes=body.validated_data["volumes"],
            actor=request.user,
        )
        return Response(SUCCESS)


class DeviceAssociatedDisksApi(BmpApi):
    """getAssociatedDisks: the disks that may serve a volume, ``selected`` if they do"""

    rules = {"get": rbac.INVENTORY_READ}

    class FilterSerializer(serializers.Serializer):
        deviceId = VisibleNameField(64)
        deviceTypeId = VisibleNameField(64)
        volumeId = VisibleNameField(64)

    def get(self, request):
        found = selectors.associated_disks(
            principal=request.user,
            device_id=self.query["deviceId"],
            device_type_id=self.query["deviceTypeId"],
            volume_id=self.query["volumeId"],
        )
        context = {"request": request}
        return Response(
            [
                {**DiskOutputSerializer(disk, context=context).data, "selected": selected}
                for disk, selected in found
            ]
        )

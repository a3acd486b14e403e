"""RAID endpoints (tag ``raid``): the levels, and the levels a device type's volumes offer."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_openapi.catalog.apis.serializers import (
    DeviceTypeRaidInputSerializer,
    RaidInputSerializer,
    RaidOutputSerializer,
)
from bmp_openapi.catalog.selectors import raid as selectors
from bmp_openapi.catalog.services import bindings
from bmp_openapi.catalog.services import raid as services
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS


class RaidListCreateApi(BmpApi):
    """describeRaids (GET), createRaid (POST)"""

    rules = {"get": rbac.INVENTORY_READ, "post": rbac.INVENTORY_WRITE}
    audit = {"post": "CreateRaid"}

    def get(self, request):
        rows = selectors.raid_list()
        return Response(
            {"raids": RaidOutputSerializer(rows, many=True, context={"request": request}).data}
        )

    def post(self, request):
        body = RaidInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        raid = services.raid_create(data=body.validated_data, actor=request.user)
        self.audit_resource = raid.raid_id
        return Response({"raidId": raid.raid_id})


class RaidDetailApi(BmpApi):
    """describeRaid (GET), modifyRaid (PUT), deleteRaid (DELETE)"""

    rules = {
        "get": rbac.INVENTORY_READ,
        "put": rbac.INVENTORY_WRITE,
        "delete": rbac.INVENTORY_WRITE,
    }
    audit = {"put": "ModifyRaid", "delete": "DeleteRaid"}

    class ModifySerializer(RaidInputSerializer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, partial=True, **kwargs)

    def get(self, request, raid_id):
        raid = selectors.raid_get(raid_id=raid_id)
        return Response(RaidOutputSerializer(raid, context={"request": request}).data)

    def put(self, request, raid_id):
        self.audit_resource = raid_id
        raid = selectors.raid_get(raid_id=raid_id)
        body = self.ModifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.raid_modify(raid=raid, data=body.validated_data, actor=request.user)
        return Response(SUCCESS)

    def delete(self, request, raid_id):
        self.audit_resource = raid_id
        services.raid_delete(raid=selectors.raid_get(raid_id=raid_id), actor=request.user)
        return Response(SUCCESS)


class DeviceTypeRaidApi(BmpApi):
    """createDeviceTypeRaid (POST), deleteDeviceTypeRaid (DELETE, with a body as upstream)"""

    rules = {"post": rbac.INVENTORY_WRITE, "delete": rbac.INVENTORY_WRITE}
    audit = {"post": "CreateDeviceTypeRaid", "delete": "DeleteDeviceTypeRaid"}

    def _parsed(self, request) -> dict:
        body = DeviceTypeRaidInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.audit_resource = body.validated_data["deviceTypeId"]
        return body.validated_data

    def post(self, request):
        data = self._parsed(request)
        raid = selectors.raid_get(raid_id=data["raidId"])
        bindings.device_type_raid_add(data=data, raid=raid, actor=request.user)
        return Response(SUCCESS)

    def delete(self, request):
        data = self._parsed(request)
        raid = selectors.raid_get(raid_id=data["raidId"])
        bindings.device_type_raid_remove(data=data, raid=raid, actor=request.user)
        return Response(SUCCESS)

"""RAID endpoints (tag ``raid``): the levels, and the levels a device type's volumes offer."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common.unset import UNSET, given
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
        values = body.validated_data
        raid = services.raid_create(
            name=values["name"],
            **given(
                description_en=values.get("descriptionEn", UNSET),
                description_zh=values.get("descriptionZh", UNSET),
            ),
            actor=request.user,
        )
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
        values = body.validated_data
        services.raid_modify(
            raid=raid,
            name=values.get("name", UNSET),
            description_en=values.get("descriptionEn", UNSET),
            description_zh=values.get("descriptionZh", UNSET),
            actor=request.user,
        )
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
        """The service's keyword arguments: the RAID level and the volumes it concerns."""
        body = DeviceTypeRaidInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        self.audit_resource = values["deviceTypeId"]
        return {
            "raid": selectors.raid_get(raid_id=values["raidId"]),
            "device_type_id": values["deviceTypeId"],
            "volume_type": values["volumeType"],
            "volume_id": values.get("volumeId", ""),
        }

    def post(self, request):
        bindings.device_type_raid_add(**self._parsed(request), actor=request.user)
        return Response(SUCCESS)

    def delete(self, request):
        bindings.device_type_raid_remove(**self._parsed(request), actor=request.user)
        return Response(SUCCESS)

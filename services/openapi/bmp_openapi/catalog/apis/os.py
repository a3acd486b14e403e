"""OS endpoints (tag ``os``)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.serializers import filter_field
from bmp_common.unset import UNSET, given
from bmp_openapi.catalog.apis.serializers import OsInputSerializer, OsOutputSerializer
from bmp_openapi.catalog.selectors import os as selectors
from bmp_openapi.catalog.services import os as services
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS


class OsListCreateApi(BmpApi):
    """describeOSs (GET), createOS (POST)"""

    rules = {"get": rbac.INVENTORY_READ, "post": rbac.INVENTORY_WRITE}
    audit = {"post": "CreateOS"}

    class FilterSerializer(serializers.Serializer):
        osName = filter_field(128)
        osType = filter_field(64)
        osVersion = filter_field(64)
        isAll = serializers.ChoiceField(choices=["0", "1", ""], required=False)

    def get(self, request):
        rows = selectors.os_list(filters=self.query)
        return Response(
            {"oss": OsOutputSerializer(rows, many=True, context={"request": request}).data}
        )

    def post(self, request):
        body = OsInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        os = services.os_create(
            os_name=values["osName"],
            os_type=values["osType"],
            os_version=values["osVersion"],
            architecture=values["architecture"],
            bits=values["bits"],
            **given(sys_user=values.get("sysUser", UNSET)),
            actor=request.user,
        )
        self.audit_resource = os.os_id
        return Response({"osId": os.os_id})


class OsDetailApi(BmpApi):
    """describeOS (GET), modifyOS (PUT), deleteOS (DELETE)"""

    rules = {
        "get": rbac.INVENTORY_READ,
        "put": rbac.INVENTORY_WRITE,
        "delete": rbac.INVENTORY_WRITE,
    }
    audit = {"put": "ModifyOS", "delete": "DeleteOS"}

    class ModifySerializer(OsInputSerializer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, partial=True, **kwargs)

    def get(self, request, os_id):
        os = selectors.os_get(os_id=os_id)
        return Response({"os": OsOutputSerializer(os, context={"request": request}).data})

    def put(self, request, os_id):
        self.audit_resource = os_id
        os = selectors.os_get(os_id=os_id)
        body = self.ModifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        services.os_modify(
            os=os,
            os_name=values.get("osName", UNSET),
            os_type=values.get("osType", UNSET),
            os_version=values.get("osVersion", UNSET),
            architecture=values.get("architecture", UNSET),
            bits=values.get("bits", UNSET),
            sys_user=values.get("sysUser", UNSET),
            actor=request.user,
        )
        return Response(SUCCESS)

    def delete(self, request, os_id):
        self.audit_resource = os_id
        services.os_delete(os=selectors.os_get(os_id=os_id), actor=request.user)
        return Response(SUCCESS)

"""IDC endpoints (tag ``idc``): parse, call one service or selector, render."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.fields import LocalTimeField, row_id_field
from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import (
    MaskedSecretField,
    StrictSerializer,
    filter_field,
    name_field,
    secret_field,
    text_field,
)
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.core.scoping import FleetFieldsMixin
from bmp_openapi.idcs import selectors, services


class IdcOutputSerializer(FleetFieldsMixin, serializers.Serializer):
    # Every credential, masked or not (a user name is half of one), and the operators' names.
    fleet_only_fields = (
        "iloUser",
        "iloPassword",
        "switchUser1",
        "switchPassword1",
        "switchUser2",
        "switchPassword2",
        "createdBy",
        "updatedBy",
    )

    id = row_id_field()
    idcId = serializers.CharField(source="idc_id")
    name = serializers.CharField()
    nameEn = serializers.CharField(source="name_en")
    shortname = serializers.CharField()
    level = serializers.CharField()
    address = serializers.CharField()
    iloUser = serializers.CharField(source="ilo_user")
    iloPassword = MaskedSecretField(source="ilo_password_encrypted")
    switchUser1 = serializers.CharField(source="switch_user1")
    switchPassword1 = MaskedSecretField(source="switch_password1_encrypted")
    switchUser2 = serializers.CharField(source="switch_user2")
    switchPassword2 = MaskedSecretField(source="switch_password2_encrypted")
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")
    # Upstream's Idc names its times both ways.
    createTime = LocalTimeField(source="created_at")
    updateTime = LocalTimeField(source="updated_at")


class IdcInputSerializer(StrictSerializer):
    name = name_field(64)
    nameEn = name_field(64)
    shortname = serializers.RegexField(
        r"^[0-9A-Za-z_-]*$", max_length=32, required=False, allow_blank=True
    )
    level = name_field(32)
    address = text_field(255)
    iloUser = text_field(64)
    iloPassword = secret_field()
    switchUser1 = text_field(64)
    switchPassword1 = secret_field()
    switchUser2 = text_field(64)
    switchPassword2 = secret_field()


class IdcListCreateApi(BmpApi):
    """describeIdcs (GET), createIdc (POST)"""

    rules = {"get": rbac.INVENTORY_READ, "post": rbac.INVENTORY_WRITE}
    audit = {"post": "CreateIdc"}

    class FilterSerializer(PageQuerySerializer):
        name = filter_field(64)
        nameEn = filter_field(64)
        level = filter_field(32)

    def get(self, request):
        items, page = paginate(selectors.idc_list(filters=self.query), self.query)
        rows = IdcOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("idcs", rows, page))

    def post(self, request):
        body = IdcInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        idc = services.idc_create(data=body.validated_data, actor=request.user)
        self.audit_resource = idc.idc_id
        return Response({"idcId": idc.idc_id})


class IdcDetailApi(BmpApi):
    """describeIdc (GET), modifyIdc (PUT), deleteIdc (DELETE)"""

    rules = {
        "get": rbac.INVENTORY_READ,
        "put": rbac.INVENTORY_WRITE,
        "delete": rbac.INVENTORY_WRITE,
    }
    audit = {"put": "ModifyIdc", "delete": "DeleteIdc"}

    class ModifySerializer(IdcInputSerializer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, partial=True, **kwargs)

    def get(self, request, idc_id):
        idc = selectors.idc_get(idc_id=idc_id)
        return Response({"idc": IdcOutputSerializer(idc, context={"request": request}).data})

    def put(self, request, idc_id):
        self.audit_resource = idc_id
        idc = selectors.idc_get(idc_id=idc_id)
        body = self.ModifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.idc_modify(idc=idc, data=body.validated_data, actor=request.user)
        return Response(SUCCESS)

    def delete(self, request, idc_id):
        self.audit_resource = idc_id
        services.idc_delete(idc=selectors.idc_get(idc_id=idc_id), actor=request.user)
        return Response(SUCCESS)

"""IDC endpoints (tag ``idc``): parse, call one service or selector, render."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import filter_field
from bmp_common.unset import UNSET, given
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.idcs import selectors, services
from bmp_openapi.idcs.serializers import IdcInputSerializer, IdcOutputSerializer


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
        values = body.validated_data
        idc = services.idc_create(
            name=values["name"],
            name_en=values["nameEn"],
            level=values["level"],
            **given(
                shortname=values.get("shortname", UNSET),
                address=values.get("address", UNSET),
                ilo_user=values.get("iloUser", UNSET),
                ilo_password=values.get("iloPassword", UNSET),
                switch_user1=values.get("switchUser1", UNSET),
                switch_password1=values.get("switchPassword1", UNSET),
                switch_user2=values.get("switchUser2", UNSET),
                switch_password2=values.get("switchPassword2", UNSET),
                bmc_ca_bundle=values.get("bmcCaBundle", UNSET),
            ),
            actor=request.user,
        )
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
        values = body.validated_data
        services.idc_modify(
            idc=idc,
            name=values.get("name", UNSET),
            name_en=values.get("nameEn", UNSET),
            shortname=values.get("shortname", UNSET),
            level=values.get("level", UNSET),
            address=values.get("address", UNSET),
            ilo_user=values.get("iloUser", UNSET),
            ilo_password=values.get("iloPassword", UNSET),
            switch_user1=values.get("switchUser1", UNSET),
            switch_password1=values.get("switchPassword1", UNSET),
            switch_user2=values.get("switchUser2", UNSET),
            switch_password2=values.get("switchPassword2", UNSET),
            bmc_ca_bundle=values.get("bmcCaBundle", UNSET),
            actor=request.user,
        )
        return Response(SUCCESS)

    def delete(self, request, idc_id):
        self.audit_resource = idc_id
        services.idc_delete(idc=selectors.idc_get(idc_id=idc_id), actor=request.user)
        return Response(SUCCESS)

"""Roles (tag ``role``). Only the three built-in roles grant rights; others are records."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.unset import UNSET, given
from bmp_openapi.accounts import selectors, services
from bmp_openapi.accounts.apis.serializers import RoleInputSerializer, RoleOutputSerializer, body_of
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS


def render_role(request, role) -> dict:
    return RoleOutputSerializer(role, context={"request": request}).data


class RoleListCreateApi(BmpApi):
    """describeRoles (GET), createRole (POST)"""

    rules = {"get": rbac.ADMIN_READ, "post": rbac.ADMIN_ONLY}
    audit = {"post": "CreateRole"}

    class FilterSerializer(PageQuerySerializer):
        pass

    def get(self, request):
        items, page = paginate(selectors.role_list(), self.query)
        rows = RoleOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("roles", rows, page))

    def post(self, request):
        body = RoleInputSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        role = services.role_create(
            role_name_en=values["roleNameEn"],
            role_name_cn=values["roleNameCn"],
            **given(
                description_en=values.get("descriptionEn", UNSET),
                description_cn=values.get("descriptionCn", UNSET),
            ),
            actor=request.user,
        )
        self.audit_resource = role.role_id
        return Response({"roleId": role.role_id})


class RoleDetailApi(BmpApi):
    """describeRole (GET), modifyRole (PUT), deleteRole (DELETE)"""

    rules = {"get": rbac.ADMIN_READ, "put": rbac.ADMIN_ONLY, "delete": rbac.ADMIN_ONLY}
    audit = {"put": "ModifyRole", "delete": "DeleteRole"}

    class ModifySerializer(RoleInputSerializer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, partial=True, **kwargs)

    def get(self, request, role_id):
        return Response({"role": render_role(request, selectors.role_get(role_id=role_id))})

    def put(self, request, role_id):
        self.audit_resource = role_id
        role = selectors.role_get(role_id=role_id)
        body = self.ModifySerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        services.role_modify(
            role=role,
            role_name_en=values.get("roleNameEn", UNSET),
            role_name_cn=values.get("roleNameCn", UNSET),
            description_en=values.get("descriptionEn", UNSET),
            description_cn=values.get("descriptionCn", UNSET),
            actor=request.user,
        )
        return Response(SUCCESS)

    def delete(self, request, role_id):
        self.audit_resource = role_id
        services.role_delete(role=selectors.role_get(role_id=role_id), actor=request.user)
        return Response(SUCCESS)


class CurrentRoleApi(BmpApi):
    """currentRole (GET): the caller's own role, for everyone."""

    rules = {"get": rbac.OWN}

    def get(self, request):
        role = selectors.role_get(role_id=request.user.role.role_id)
        return Response({"role": render_role(request, role)})

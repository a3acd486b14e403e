"""Users (tag ``user``): the caller's own profile and password, and the admin's user management."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import (
    StrictCharField,
    StrictSerializer,
    filter_field,
    name_field,
)
from bmp_common.unset import UNSET, given
from bmp_openapi.accounts import selectors, services
from bmp_openapi.accounts.apis.serializers import (
    CreateUserSerializer,
    ModifyUserSerializer,
    ProfileSerializer,
    UserOutputSerializer,
    body_of,
    password_field,
)
from bmp_openapi.accounts.authentication import client_address
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS


def render_user(request, user) -> dict:
    return UserOutputSerializer(user, context={"request": request}).data


class LocalUserApi(BmpApi):
    """describeLocalUser (GET), modifyLocalUser (PUT): the user the credentials act as."""

    rules = {"get": rbac.OWN, "put": rbac.OWN}
    audit = {"put": "ModifyLocalUser"}

    def get(self, request):
        me = selectors.user_get(user_id=request.user.user_id)
        return Response({"user": render_user(request, me)})

    def put(self, request):
        self.audit_resource = request.user.user_id
        body = ProfileSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        services.user_modify(
            user=request.user,
            email=values.get("email", UNSET),
            phone_prefix=values.get("phonePrefix", UNSET),
            phone_number=values.get("phoneNumber", UNSET),
            description=values.get("description", UNSET),
            language=values.get("language", UNSET),
            timezone=values.get("timezone", UNSET),
            actor=request.user,
        )
        return Response(SUCCESS)


class LocalUserPasswordApi(BmpApi):
    """modifyLocalUserPassword (PUT): needs the current password."""

    rules = {"put": rbac.OWN}
    audit = {"put": "ModifyLocalUserPassword"}

    class InputSerializer(StrictSerializer):
        oldPassword = StrictCharField(max_length=128, trim_whitespace=False)
        password = password_field()

    def put(self, request):
        self.audit_resource = request.user.user_id
        body = self.InputSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        services.user_change_password(
            user=request.user,
            old_password=body.validated_data["oldPassword"],
            password=body.validated_data["password"],
            source=client_address(request),
        )
        return Response(SUCCESS)


class UserListCreateApi(BmpApi):
    """describeUsers (GET), createUser (POST)"""

    rules = {"get": rbac.ADMIN_READ, "post": rbac.ADMIN_ONLY}
    audit = {"post": "CreateUser"}

    class FilterSerializer(PageQuerySerializer):
        roleId = filter_field(256)  # one role id or several, comma-separated
        defaultProjectId = filter_field(64)
        userName = filter_field(64)  # part of the name, any case

    def get(self, request):
        items, page = paginate(selectors.user_list(filters=self.query), self.query)
        rows = UserOutputSerializer(items, many=True, context={"request": request}).data
        return Response(list_result("users", rows, page))

    def post(self, request):
        body = CreateUserSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        user = services.user_add(
            user_name=values["userName"],
            password=values["password"],
            role_id=values["roleId"],
            # What the request leaves out takes the service's default.
            **given(
                language=values.get("language", UNSET),
                timezone=values.get("timezone", UNSET),
                email=values.get("email", UNSET),
                phone_prefix=values.get("phonePrefix", UNSET),
                phone_number=values.get("phoneNumber", UNSET),
                description=values.get("description", UNSET),
            ),
            actor=request.user,
        )
        self.audit_resource = user.user_id
        return Response({"userId": user.user_id})


class UserDetailApi(BmpApi):
    """describeUser (GET), modifyUser (PUT), deleteUser (DELETE)"""

    rules = {"get": rbac.ADMIN_READ, "put": rbac.ADMIN_ONLY, "delete": rbac.ADMIN_ONLY}
    audit = {"put": "ModifyUser", "delete": "DeleteUser"}

    def get(self, request, user_id):
        return Response({"user": render_user(request, selectors.user_get(user_id=user_id))})

    def put(self, request, user_id):
        self.audit_resource = user_id
        user = selectors.user_get(user_id=user_id)
        body = ModifyUserSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        services.user_modify(
            user=user,
            email=values.get("email", UNSET),
            phone_prefix=values.get("phonePrefix", UNSET),
            phone_number=values.get("phoneNumber", UNSET),
            description=values.get("description", UNSET),
            actor=request.user,
        )
        return Response(SUCCESS)

    def delete(self, request, user_id):
        self.audit_resource = user_id
        services.user_delete(user=selectors.user_get(user_id=user_id), actor=request.user)
        return Response(SUCCESS)


class UserByNameApi(BmpApi):
    """describeUserByName (GET ?userName=): authenticated, unlike upstream.

    A BFF's system key may call it before its user is known (it resolves the login name).
    """

    rules = {"get": rbac.ADMIN_READ}
    service_methods = frozenset({"get"})

    class FilterSerializer(serializers.Serializer):
        userName = name_field(64)

    def get(self, request):
        user = selectors.user_get_by_name(user_name=self.query["userName"])
        return Response({"user": render_user(request, user)})


class UserVerifyApi(BmpApi):
    """verifyUser (POST): the portals' login check. Failed attempts are rate-limited per name
    and source address.

    A BFF's system key calls it before anyone is logged in, naming the end user's address in
    ``bmpClientIp``.
    """

    rules = {"post": rbac.ADMIN_READ}
    service_methods = frozenset({"post"})

    class InputSerializer(StrictSerializer):
        userName = name_field(64)
        password = StrictCharField(max_length=128, trim_whitespace=False)
        roleId = name_field(64)

    def post(self, request):
        body = self.InputSerializer(data=body_of(request))
        body.is_valid(raise_exception=True)
        success = services.user_verify(
            user_name=body.validated_data["userName"],
            password=body.validated_data["password"],
            role_id=body.validated_data["roleId"],
            source=client_address(request),
        )
        return Response({"success": success})

"""Users (tag ``user``): the caller's own profile and password, and the admin's user management."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.fields import LocalTimeField, row_id_field
from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import (
    StrictCharField,
    StrictSerializer,
    filter_field,
    name_field,
    text_field,
)
from bmp_common.i18n import LANGUAGE_NAMES, ZH_CN, display_name, request_language
from bmp_openapi.accounts import selectors, services
from bmp_openapi.accounts.apis.fields import (
    EMAIL_PATTERN,
    PHONE_NUMBER_PATTERN,
    PHONE_PREFIX_PATTERN,
    USER_NAME_PATTERN,
    PatternField,
    TimezoneField,
    body_of,
    language_field,
    password_field,
    pattern_field,
)
from bmp_openapi.accounts.authentication import client_address
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS


class UserOutputSerializer(serializers.Serializer):
    id = row_id_field()
    userId = serializers.CharField(source="user_id")
    userName = serializers.CharField(source="user_name")
    roleId = serializers.CharField(source="role.role_id")
    roleName = serializers.SerializerMethodField()
    email = serializers.CharField()
    phonePrefix = serializers.CharField(source="phone_prefix")
    phoneNumber = serializers.CharField(source="phone_number")
    defaultProjectId = serializers.CharField(source="default_project_id")
    defaultProjectName = serializers.CharField(source="default_project_name")
    instanceCount = serializers.IntegerField(source="instance_count")
    projectCount = serializers.IntegerField(source="project_count")
    language = serializers.CharField()
    languageName = serializers.SerializerMethodField()
    timezone = serializers.CharField()
    description = serializers.CharField()
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")

    def _language(self):
        return request_language(self.context["request"])

    def get_roleName(self, user):
        role = user.role
        return role.role_name_cn if self._language() == ZH_CN else role.role_name_en

    def get_languageName(self, user):
        return display_name(LANGUAGE_NAMES, user.language, self._language())


def render_user(request, user) -> dict:
    return UserOutputSerializer(user, context={"request": request}).data


class ProfileSerializer(StrictSerializer):
    """What a user may change of their own profile (modifyLocalUser); all optional."""

    email = pattern_field(EMAIL_PATTERN, 255)
    phonePrefix = pattern_field(PHONE_PREFIX_PATTERN, 8)
    phoneNumber = pattern_field(PHONE_NUMBER_PATTERN, 32)
    language = language_field()
    timezone = TimezoneField()
    description = text_field(255)


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
        services.user_modify(user=request.user, data=body.validated_data, actor=request.user)
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


class CreateUserSerializer(ProfileSerializer):
    userName = PatternField(USER_NAME_PATTERN, min_length=1, max_length=64)
    password = password_field()
    roleId = name_field(64)


class ModifyUserSerializer(StrictSerializer):
    """What the admin may change of a user (modifyUser), as upstream; all optional."""

    email = pattern_field(EMAIL_PATTERN, 255)
    phonePrefix = pattern_field(PHONE_PREFIX_PATTERN, 8)
    phoneNumber = pattern_field(PHONE_NUMBER_PATTERN, 32)
    description = text_field(255)


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
        user = services.user_add(data=body.validated_data, actor=request.user)
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
        services.user_modify(user=user, data=body.validated_data, actor=request.user)
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

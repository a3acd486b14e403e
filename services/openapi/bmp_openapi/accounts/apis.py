"""Accounts endpoints: one API class per operation, parse → call → render."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.fields import LocalTimeField
from bmp_common.i18n import LANGUAGE_NAMES, ZH_CN, display_name, request_language
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi


class LocalUserApi(BmpApi):
    """describeLocalUser: the user the credentials act as."""

    rules = {"get": rbac.OWN}

    class OutputSerializer(serializers.Serializer):
        userId = serializers.CharField(source="user_id")
        userName = serializers.CharField(source="user_name")
        roleId = serializers.CharField(source="role.role_id")
        roleName = serializers.SerializerMethodField()
        email = serializers.CharField()
        phonePrefix = serializers.CharField(source="phone_prefix")
        phoneNumber = serializers.CharField(source="phone_number")
        defaultProjectId = serializers.SerializerMethodField()
        language = serializers.CharField()
        languageName = serializers.SerializerMethodField()
        timezone = serializers.CharField()
        description = serializers.CharField()
        createdTime = LocalTimeField(source="created_at")
        updatedTime = LocalTimeField(source="updated_at")

        def _language(self):
            return request_language(self.context["request"])

        def get_roleName(self, user):
            role = user.role
            return role.role_name_cn if self._language() == ZH_CN else role.role_name_en

        def get_defaultProjectId(self, user):
            return ""  # projects arrive with the resource API

        def get_languageName(self, user):
            return display_name(LANGUAGE_NAMES, user.language, self._language())

    def get(self, request):
        return Response(self.OutputSerializer(request.user, context={"request": request}).data)

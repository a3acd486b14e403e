"""describeConsoleAccessUsers: who a tenant may share a project with, names and ids only.

Upstream's console listed every user with their email, phone and role for its share and move
dialogs (describeUsers as the tenant); here a tenant gets the other tenants' ids and names, and
nothing else of them.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.serializers import filter_field
from bmp_openapi.accounts import selectors
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi


class ConsoleUserSerializer(serializers.Serializer):
    userId = serializers.CharField(source="user_id")
    userName = serializers.CharField(source="user_name")


class ConsoleAccessUsersApi(BmpApi):
    """describeConsoleAccessUsers (GET ?userName=): the console's users but the caller."""

    rules = {"get": rbac.CONSOLE_ONLY}

    class FilterSerializer(serializers.Serializer):
        userName = filter_field(64)  # that exact name only

    def get(self, request):
        users = selectors.console_user_list(
            actor=request.user, user_name=self.query.get("userName", "")
        )
        return Response({"users": ConsoleUserSerializer(users, many=True).data})

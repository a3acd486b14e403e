"""Users and roles (the admin's), the operator's own account (profile, password, API keys, SSH
keys, time zones), and the password re-check the portal asks before sensitive things."""

from __future__ import annotations

import time
from zoneinfo import available_timezones

from django.conf import settings
from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.bff.sessions import (
    client_address,
    session_logout,
    session_password_check,
    sessions_end_for,
)
from bmp_common.bff.views import BffApi
from bmp_common.errors import BmpError
from bmp_operation_api import exports
from bmp_operation_api.error_codes import NOT_YOURSELF, PASSWORD_WRONG
from bmp_operation_api.relay import relay

# The session key of the time until which the IDC credentials may be shown.
CREDENTIALS_UNTIL = "bmp_credentials_until"


class PasswordRecheckApi(BffApi):
    """POST {password[, username]}: the session user's password, typed again. Upstream took any
    user's name here; a name other than the session's is refused. Wrong: 400 (and 429 after
    as many failures as a login allows)."""

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=64, required=False)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username = body.validated_data.get("username")
        if username and username != self.user.user_name:
            raise BmpError(NOT_YOURSELF)
        if not session_password_check(request._request, password=body.validated_data["password"]):
            raise BmpError(PASSWORD_WRONG)
        self.rechecked(request)
        return Response({"success": True})

    def rechecked(self, request) -> None:
        """What a right password opens (nothing here; the IDC's route shows credentials)."""


class CredentialsRecheckApi(PasswordRecheckApi):
    """POST /idc/VerifyUser {password}: then the IDC answers of this session carry the BMC and
    switch credentials (``?show=...``) for ``BMP_BFF_CREDENTIALS_WINDOW`` seconds."""

    def rechecked(self, request) -> None:
        until = time.time() + settings.BMP_BFF_CREDENTIALS_WINDOW
        request._request.session[CREDENTIALS_UNTIL] = until


def credentials_open(request) -> bool:
    return time.time() < request._request.session.get(CREDENTIALS_UNTIL, 0)


# -- users and roles (openapi lets only an admin manage them) --------------------------------

UsersApi = relay({"put": "createUser", "get": "describeUsers"}, export=exports.USERS)
UserApi = relay(
    {"get": "describeUser", "post": "modifyUser", "delete": "deleteUser"},
    url_to_path={"user_id": "user_id"},
)
RolesApi = relay({"get": "describeRoles", "put": "createRole"})
RoleApi = relay(
    {"get": "describeRole", "put": "modifyRole", "delete": "deleteRole"},
    url_to_path={"role_id": "role_id"},
)
CurrentRoleApi = relay({"get": "currentRole"})


# -- the operator's own account --------------------------------------------------------------

LocalUserApi = relay({"get": "describeLocalUser", "put": "modifyLocalUser"})


class LocalUserPasswordApi(BffApi):
    """PUT /user/local/password {oldPassword, password}: then every session of the user ends
    (this one too): the next request answers 402 and the portal shows its login page."""

    def put(self, request):
        self.openapi(
            "modifyLocalUserPassword",
            body=request.data,
            client_ip=client_address(request._request),
        )
        sessions_end_for(self.user.user_id)
        session_logout(request._request)
        return Response({"success": True})


class TimezonesApi(BffApi):
    """GET /user/local/timezones: the IANA time zones a user may choose."""

    def get(self, request):
        return Response(sorted(available_timezones()))


ApikeysApi = relay({"put": "createUserApikey", "get": "describeUserAPIKeys"})
ApikeyApi = relay({"delete": "deleteUserApikey"}, url_to_path={"apikey_id": "apikey_id"})
KeypairsApi = relay({"get": "describeUserSshKeys"})

"""The user's own account: profile, password, time zones, SSH keys (keypairs), API keys, and
which users may use the console (for sharing projects)."""

from __future__ import annotations

from zoneinfo import available_timezones

from rest_framework.response import Response

from bmp_common.bff.portals import ROLE_USER
from bmp_common.bff.sessions import client_address, session_logout, sessions_end_for
from bmp_common.bff.views import BffApi, OperationApi
from bmp_common.contract.client import OpenapiError


class UserApi(OperationApi):
    """GET /user: the user's profile; PUT /user: change it (not the password)."""

    operations = {"get": "describeLocalUser", "put": "modifyLocalUser"}


class UserPasswordApi(BffApi):
    """PUT /user/password {oldPassword, password}: then every session of the user ends (this
    one too): the next request answers 402 and the console shows its login page."""

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
    """GET /user/timezones: the IANA time zones a user may choose."""

    def get(self, request):
        return Response(sorted(available_timezones()))


class ConsoleUsersApi(BffApi):
    """GET /user/getConsoleAccessUserList: the users a project can be shared with."""

    def get(self, request):
        found = self.openapi("describeUsers", query={"roleId": ROLE_USER, "isAll": "1"})
        users = [
            {"userId": user["userId"], "userName": user["userName"]}
            for user in found["users"]
            if user["userId"] != self.user.user_id
        ]
        return Response({"users": users})


class ConsoleAccessByNameApi(BffApi):
    """GET /user/checkUserConsoleAccessByName?userName=: whether that user may use the console."""

    def get(self, request):
        try:
            found = self.openapi(
                "describeUserByName", query={"userName": request.query_params.get("userName")}
            )
        except OpenapiError as exc:
            if exc.code == 404:
                return Response({"success": False})
            raise
        return Response({"success": found["user"]["roleId"] == ROLE_USER})


class KeypairsApi(OperationApi):
    """PUT /keypair: a new SSH key; GET /keypair: the user's SSH keys."""

    operations = {"put": "createUserSshkey", "get": "describeUserSshKeys"}


class KeypairApi(OperationApi):
    operations = {
        "get": "describeUserSshKey",
        "put": "modifyUserSshkey",
        "delete": "deleteUserSshkey",
    }
    url_to_path = {"sshkey_id": "keypair_id"}


class KeypairNameApi(BffApi):
    """GET /keypair/checkKeypairName?name=: success is true when the name is still free."""

    def get(self, request):
        name = request.query_params.get("name", "")
        found = self.openapi("describeUserSshKeys", query={"name": name, "isAll": "1"})
        taken = any(key["name"] == name for key in found["sshkeys"])
        return Response({"success": not taken})


class ApikeysApi(OperationApi):
    """PUT /apikey: a new API key (its token shown once); GET /apikey: the user's keys."""

    operations = {"put": "createUserApikey", "get": "describeUserAPIKeys"}


class ApikeyApi(OperationApi):
    operations = {"delete": "deleteUserApikey"}
    url_to_path = {"apikey_id": "apikey_id"}

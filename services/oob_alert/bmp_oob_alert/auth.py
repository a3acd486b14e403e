"""Who calls: openapi's own API keys, checked by openapi, never a cookie.

Upstream's oob-alert had no authentication and took the user from a cookie the browser sets.
Here every request carries ``Authorization: Bearer <api key>``, and openapi says whose key it
is (``describeLocalUser``, on the profile the key was made for: operation keys on 8801,
console keys on 8802). Staff (admins, operators) see every device; a tenant only the devices
under the instances openapi shows them (``describeDevices`` with their key), so the rules are
openapi's, not a copy. Answers are cached ``BMP_OOB_AUTH_CACHE_S`` seconds per key digest.

oob-agent reports with the ``system`` key (the 0600 file ``bmp_bootstrap`` writes), compared
here in constant time; it may call the agent routes only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field

import urllib3
from django.conf import settings
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission

from bmp_common.contract.client import KeyFile, system_key_file

ROLE_ADMIN = "role-admin-uuid-01"
ROLE_OPERATOR = "role-operator-uuid-01"
STAFF = frozenset({ROLE_ADMIN, ROLE_OPERATOR})
MAX_TOKEN_LENGTH = 256

_http = urllib3.PoolManager(maxsize=8, retries=False, timeout=urllib3.Timeout(connect=3, read=10))
_cache: dict[str, tuple[float, Principal]] = {}
_cache_lock = threading.Lock()
_system_key: KeyFile | None = None


@dataclass(frozen=True)
class Principal:
    user_id: str = ""
    user_name: str = ""
    role_id: str = ""
    system: bool = False  # oob-agent
    # A tenant's devices: device_id -> sn (staff: None, every device).
    devices: dict[str, str] | None = field(default=None)
    is_authenticated: bool = True

    @property
    def staff(self) -> bool:
        return self.role_id in STAFF

    def sees(self, device_id: str) -> bool:
        return self.staff or (self.devices is not None and device_id in self.devices)


def _get(base: str, path: str, token: str) -> tuple[int, dict | None]:
    try:
        answer = _http.request(
            "GET",
            base + path,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
    except urllib3.exceptions.HTTPError:
        raise exceptions.APIException(
            "openapi cannot be reached to check the credentials"
        ) from None
    try:
        return answer.status, json.loads(answer.data)
    except ValueError:
        return answer.status, None


def _resolve(token: str) -> Principal:
    for base in (settings.BMP_OPENAPI_URL, settings.BMP_OPENAPI_CONSOLE_URL):
        status, body = _get(base, "/v1/local/users", token)
        if status == 200 and body:
            user = body["result"]["user"]
            role_id = user.get("roleId", "")
            devices = None
            if role_id not in STAFF:
                status, listed = _get(base, "/v1/devices?isAll=1", token)
                rows = (listed or {}).get("result", {}).get("devices", []) if status == 200 else []
                devices = {row["deviceId"]: row["sn"] for row in rows}
            return Principal(
                user_id=user["userId"], user_name=user["userName"], role_id=role_id, devices=devices
            )
    raise exceptions.AuthenticationFailed()


def _is_system_key(token: str) -> bool:
    global _system_key
    if _system_key is None:
        _system_key = KeyFile(system_key_file())
    try:
        expected = _system_key.token()
    except Exception:
        return False
    return hmac.compare_digest(token.encode(), expected.encode())


class OpenapiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
            raise exceptions.AuthenticationFailed()
        if _is_system_key(token):
            return Principal(user_name="oob-agent", system=True), None
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        with _cache_lock:
            cached = _cache.get(digest)
        if cached and cached[0] > now:
            return cached[1], None
        principal = _resolve(token)
        with _cache_lock:
            if len(_cache) > 10000:
                _cache.clear()
            _cache[digest] = (now + settings.BMP_OOB_AUTH_CACHE_S, principal)
        return principal, None

    def authenticate_header(self, request):
        return self.keyword


def forget_cached() -> None:
    with _cache_lock:
        _cache.clear()


class UsersOnly(BasePermission):
    """People's keys (any role); the agent's key is for the agent routes only."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user is not None and user.is_authenticated and not user.system)


class StaffOnly(UsersOnly):
    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.staff


class AgentOnly(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user is not None and user.is_authenticated and user.system)

"""Who calls: openapi's own API keys, checked by openapi, never a cookie.

Upstream's oob-alert had no authentication and took the user from a cookie the browser sets.
Here every request carries ``Authorization: Bearer <api key>``, and openapi says whose key it
is (``describeLocalUser``, on the profile the key was made for: operation keys on 8801,
console keys on 8802). Staff (admins, operators) see every device; a tenant only the devices
under the instances openapi shows them (``describeDevices`` with their key), so the rules are
openapi's, not a copy. Answers are cached ``BMP_OOB_AUTH_CACHE_S`` seconds per key digest.

The ``system`` key (the 0600 file ``bmp_bootstrap`` writes), compared here in constant time,
is read the way openapi reads it (``bmp_openapi.accounts.authentication``):

- with ``bmpUserId``: our BFFs, acting for the user of a console session. The user is whoever
  openapi says that id is (``describeLocalUser`` with the system key and ``bmpUserId``, so an
  unknown id is openapi's 401 and ours), with that user's role and devices as above. The
  header means nothing without the system key: beside a user's own key, or without a key,
  it is refused (401), never taken as identity.
- without it: oob-agent, which may call the agent routes only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
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
# openapi's user ids (``user-…``): anything else is refused before openapi is asked.
USER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

log = logging.getLogger(__name__)

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
    # A BFF acting for its session's user (the system key and bmpUserId).
    on_behalf: bool = False
    # A tenant's devices: device_id -> sn (staff: None, every device).
    devices: dict[str, str] | None = field(default=None)
    is_authenticated: bool = True

    @property
    def staff(self) -> bool:
        return self.role_id in STAFF

    def sees(self, device_id: str) -> bool:
        return self.staff or (self.devices is not None and device_id in self.devices)


def _get(base: str, path: str, token: str, user_id: str = "") -> tuple[int, dict | None]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if user_id:
        headers["bmpUserId"] = user_id
    try:
        answer = _http.request("GET", base + path, headers=headers)
    except urllib3.exceptions.HTTPError:
        raise exceptions.APIException(
            "openapi cannot be reached to check the credentials"
        ) from None
    try:
        return answer.status, json.loads(answer.data)
    except ValueError:
        return answer.status, None


def _principal(base: str, token: str, user: dict, *, user_id: str = "") -> Principal:
    """``user`` (openapi's answer) with the devices a tenant sees, asked with the same
    credentials: openapi's rules, not a copy."""
    role_id = user.get("roleId", "")
    devices = None
    if role_id not in STAFF:
        status, listed = _get(base, "/v1/devices?isAll=1", token, user_id)
        rows = (listed or {}).get("result", {}).get("devices", []) if status == 200 else []
        devices = {row["deviceId"]: row["sn"] for row in rows}
    return Principal(
        user_id=user["userId"],
        user_name=user["userName"],
        role_id=role_id,
        devices=devices,
        on_behalf=bool(user_id),
    )


def _resolve(token: str) -> Principal:
    for base in (settings.BMP_OPENAPI_URL, settings.BMP_OPENAPI_CONSOLE_URL):
        status, body = _get(base, "/v1/local/users", token)
        if status == 200 and body:
            return _principal(base, token, body["result"]["user"])
    raise exceptions.AuthenticationFailed()


def _resolve_on_behalf(token: str, user_id: str) -> Principal:
    """The user a BFF names in ``bmpUserId``, as openapi knows them. Either profile takes the
    system key; the console profile is asked, which answers ``describeLocalUser`` and
    ``describeDevices`` (scoped to the user's instances) for every role."""
    base = settings.BMP_OPENAPI_CONSOLE_URL
    status, body = _get(base, "/v1/local/users", token, user_id)
    if status != 200 or not body:
        raise exceptions.AuthenticationFailed()
    user = body["result"]["user"]
    if user.get("userId") != user_id:
        raise exceptions.AuthenticationFailed()
    return _principal(base, token, user, user_id=user_id)


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
        on_behalf_of = request.META.get("HTTP_BMPUSERID")
        if not header:
            if on_behalf_of is not None:  # a name without the key behind it
                raise exceptions.AuthenticationFailed()
            return None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
            raise exceptions.AuthenticationFailed()
        if not _is_system_key(token):
            if on_behalf_of is not None:  # only the system key may act for someone else
                raise exceptions.AuthenticationFailed()
            return self._cached(hashlib.sha256(token.encode()).hexdigest(), _resolve, token), None
        if on_behalf_of is None:
            return Principal(user_name="oob-agent", system=True), None
        user_id = on_behalf_of.strip()
        if not USER_ID.match(user_id):
            raise exceptions.AuthenticationFailed()
        principal = self._cached(f"system:{user_id}", _resolve_on_behalf, token, user_id)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            log.info("%s %s by the system key for %s", request.method, request.path, user_id)
        return principal, None

    @staticmethod
    def _cached(key: str, resolve, *arguments) -> Principal:
        now = time.monotonic()
        with _cache_lock:
            cached = _cache.get(key)
        if cached and cached[0] > now:
            return cached[1]
        principal = resolve(*arguments)
        with _cache_lock:
            if len(_cache) > 10000:
                _cache.clear()
            _cache[key] = (now + settings.BMP_OOB_AUTH_CACHE_S, principal)
        return principal

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

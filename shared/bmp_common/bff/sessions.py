"""Login sessions: who the browser is, for 12 hours at most.

A session lives in Redis (Django's cache session backend on the ``sessions`` cache) under a new
key made at login; its cookie is HttpOnly and SameSite=Lax. It ends at logout, at expiry, and
for every browser of a user when that user changes their password (``sessions_end_for``).
A request without a live session answers 402 (``NotLoggedIn``), upstream's signal for the
console to show its login page.

Login attempts are limited here as well as in openapi: failures per (user name, address) and
per address across all names (name spraying) within ``BMP_BFF_LOGIN_WINDOW``; past either,
429 until the window is over. openapi's own limit (it counts per name and the address the BFF
relays in ``bmpClientIp``) answers 429 too, and is relayed as it is.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import rotate_token
from rest_framework import authentication, exceptions
from rest_framework.authentication import CSRFCheck

from bmp_common.bff import errors
from bmp_common.bff.openapi import caller_for, openapi
from bmp_common.errors import BmpError

log = logging.getLogger(__name__)

SESSION_KEY = "bmp_user"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class SessionUser:
    user_id: str
    user_name: str
    role_id: str
    language: str
    login_at: float

    is_authenticated = True
    is_anonymous = False


class NotLoggedIn(exceptions.APIException):
    status_code = 402
    default_detail = "user not login"


def _ended_key(user_id: str) -> str:
    return f"bff:{settings.BMP_PORTAL.name}:sessions-ended:{user_id}"


def user_in(session) -> SessionUser | None:
    """The user of a session store, or None (empty, or ended by a password change)."""
    data = session.get(SESSION_KEY)
    if not data:
        return None
    user = SessionUser(**data)
    ended_at = cache.get(_ended_key(user.user_id))
    if ended_at is not None and user.login_at <= ended_at:
        return None
    return user


def session_user(request) -> SessionUser | None:
    """The live session's user, or None (no session, expired, or ended by a password change)."""
    user = user_in(request.session)
    if user is None and request.session.get(SESSION_KEY):
        request.session.flush()  # ended by a password change: gone for good
    return user


class SessionAuthentication(authentication.BaseAuthentication):
    """DRF authentication of every BFF route but login: the session's user, or 402."""

    def authenticate(self, request):
        user = session_user(request._request)
        if user is None:
            raise NotLoggedIn()
        request._request.bmp_session_user = user
        return user, None


def enforce_csrf(request) -> None:
    """Django's CSRF check (the token cookie and the X-CSRFToken header) on an unsafe method."""
    if request.method in SAFE_METHODS:
        return
    check = CSRFCheck(lambda _request: None)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise BmpError(errors.CSRF_FAILED, detail=str(reason))


# -- the address and the rate limit ----------------------------------------------------------


def client_address(request) -> str:
    header = settings.BMP_BFF_CLIENT_IP_HEADER
    if header:
        relayed = request.META.get("HTTP_" + header.upper().replace("-", "_"), "").strip()
        try:
            return str(ipaddress.ip_address(relayed))
        except ValueError:
            log.warning("login without a valid %s header from the proxy", header)
    return request.META.get("REMOTE_ADDR", "")


def _counter(*parts: str) -> str:
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return f"bff:{settings.BMP_PORTAL.name}:login-failures:{digest}"


def _counters(user_name: str, source: str) -> list[tuple[str, int]]:
    return [
        (_counter("name", user_name, source), settings.BMP_BFF_LOGIN_FAILURES),
        (_counter("address", source), settings.BMP_BFF_LOGIN_FAILURES_PER_ADDRESS),
    ]


def _refuse_if_limited(user_name: str, source: str) -> None:
    for key, limit in _counters(user_name, source):
        if (cache.get(key) or 0) >= limit:
            raise BmpError(
                errors.LOGIN_RATE_LIMIT, minutes=max(1, settings.BMP_BFF_LOGIN_WINDOW // 60)
            )


def _record_failure(user_name: str, source: str) -> None:
    for key, _limit in _counters(user_name, source):
        if not cache.add(key, 1, timeout=settings.BMP_BFF_LOGIN_WINDOW):
            try:
                cache.incr(key)  # the window stays the one the first failure opened
            except ValueError:
                cache.add(key, 1, timeout=settings.BMP_BFF_LOGIN_WINDOW)


# -- login, logout, password change ----------------------------------------------------------


def session_login(request, *, user_name: str, password: str) -> SessionUser:
    """Checks the password through openapi's verifyUser with the portal's role, then starts a
    new session (a new key, a new CSRF token). Raises BmpError (401, 429) or OpenapiError."""
    source = client_address(request)
    _refuse_if_limited(user_name, source)
    portal = settings.BMP_PORTAL
    caller = caller_for(request, user_id="", client_ip=source)
    verdict = openapi().call(
        "verifyUser",
        caller=caller,
        body={"userName": user_name, "password": password, "roleId": portal.role_id},
    )
    if not verdict["success"]:
        _record_failure(user_name, source)
        log.info("login refused on the %s portal from %s", portal.name, source)
        raise BmpError(errors.LOGIN_FAILED)
    found = openapi().call("describeUserByName", caller=caller, query={"userName": user_name})
    info = found["user"]
    user = SessionUser(
        user_id=info["userId"],
        user_name=info["userName"],
        role_id=info["roleId"],
        language=info["language"],
        login_at=time.time(),
    )
    # Whatever session the browser had is gone: a new key, so a key planted before login
    # (session fixation) is worth nothing, and a new CSRF token.
    request.session.flush()
    request.session[SESSION_KEY] = asdict(user)
    rotate_token(request)
    request.bmp_session_user = user
    log.info("user %s logged in to the %s portal from %s", user.user_id, portal.name, source)
    return user


def session_logout(request) -> None:
    request.session.flush()
    rotate_token(request)


def sessions_end_for(user_id: str) -> None:
    """Ends every session of the user that started before now (a password change)."""
    cache.set(_ended_key(user_id), time.time(), timeout=settings.SESSION_COOKIE_AGE)

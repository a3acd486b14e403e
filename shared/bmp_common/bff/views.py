"""``BffApi``, the base of every BFF view, and the routes every BFF serves.

A view parses, calls openapi, renders (STYLE rule 8). Most console routes are one openapi
operation each: declare them with ``OperationApi`` instead of writing a method::

    class InstanceStartApi(OperationApi):
        operations = {"post": "startProjectInstance"}
        body_to_path = {"instance_id": "instanceId"}  # upstream sends ids in the body

A list route that upstream exports to Excel also declares ``export = Export(...)``
(``bmp_common.bff.excel``): ``GET ...?exportType=xlsx`` then answers the whole list as an .xlsx.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.core.cache import caches
from django.urls import re_path
from django_redis import get_redis_connection
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bmp_common import errors
from bmp_common.api.envelope import error_json_response
from bmp_common.bff import errors as bff_errors
from bmp_common.bff.excel import Export, openapi_rows, wants_export, xlsx_response
from bmp_common.bff.openapi import caller_for, openapi
from bmp_common.bff.sessions import (
    enforce_csrf,
    session_login,
    session_logout,
    session_user,
)
from bmp_common.contract.client import ContractClientError
from bmp_common.errors import BmpError

# Query names the BFF itself reads; never sent to openapi.
BFF_QUERY = frozenset({"exportType"})


class BffApi(APIView):
    """Session-authenticated (402 without a session), CSRF-checked on unsafe methods."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        enforce_csrf(request._request)

    @property
    def user(self):
        return self.request.user

    def openapi(self, operation_id: str, *, client_ip: str = "", **arguments):
        """The result of an openapi operation, called as the session's user (``client_ip``:
        the browser's address, for the calls that count failed passwords)."""
        idempotency_key = self.request.headers.get("Idempotency-Key", "")
        if idempotency_key and "idempotency_key" not in arguments:
            arguments["idempotency_key"] = idempotency_key
        caller = caller_for(self.request, client_ip=client_ip)
        return openapi().call(operation_id, caller=caller, **arguments)


class OperationApi(BffApi):
    """A route that relays one openapi operation per method.

    ``operations``: method → operationId. ``url_to_path``: openapi path parameter → the URL
    kwarg it comes from. ``body_to_path``: openapi path parameter → the body field it travels
    in (upstream's consoles send instance ids in bodies). The rest of the body is the
    operation's body; the query string is its query (names it does not declare answer 400).
    ``query_names``: the portal's query name → openapi's, where upstream's BFF and openapi
    spelt one differently (``userName`` → ``username``).
    ``export``: the GET list's Excel export (``?exportType=xlsx``), see ``bmp_common.bff.excel``.
    """

    operations: dict[str, str] = {}
    url_to_path: dict[str, str] = {}
    body_to_path: dict[str, str] = {}
    query_names: dict[str, str] = {}
    export: Export | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for method in cls.operations:
            setattr(cls, method, cls.relay)

    def relay(self, request, **kwargs):
        operation_id = self.operations[request.method.lower()]
        if self.export is not None and request.method == "GET" and wants_export(request):
            return self.export_xlsx(request, operation_id, kwargs)
        return Response(self.openapi(operation_id, **self.arguments(request, operation_id, kwargs)))

    def export_xlsx(self, request, operation_id: str, kwargs: dict):
        """Every page of the list, with the request's filters, as one .xlsx."""
        arguments = self.arguments(request, operation_id, kwargs)
        filters = arguments.pop("query", {})

        def page(query: dict) -> dict:
            return self.openapi(operation_id, query=query, **arguments)

        return xlsx_response(request, self.export, openapi_rows(page, self.export, filters))

    def arguments(self, request, operation_id: str, kwargs: dict) -> dict:
        operation = openapi().contract.operation(operation_id)
        path = {name: kwargs[kwarg] for name, kwarg in self.url_to_path.items()}
        arguments = {}
        body = request.data if request.method in ("POST", "PUT", "DELETE") else None
        if self.body_to_path:
            if not isinstance(body, dict):
                raise BmpError(errors.INVALID_ARGUMENT, detail="body: a JSON object is needed")
            body = dict(body)
            for name, field in self.body_to_path.items():
                value = body.pop(field, None)
                if not isinstance(value, str) or not value:
                    raise BmpError(errors.INVALID_ARGUMENT, detail=f"{field}: required")
                path[name] = value
        if path:
            arguments["path"] = path
        if operation.body is not None:
            arguments["body"] = body if body is not None else {}
        elif body:
            raise BmpError(errors.INVALID_ARGUMENT, detail="this call takes no body")
        query = {
            self.query_names.get(k, k): v
            for k, v in request.query_params.items()
            if k not in BFF_QUERY
        }
        if query:
            arguments["query"] = query
        return arguments


def relay(operations: dict[str, str], **attributes) -> type[OperationApi]:
    """An ``OperationApi`` relaying ``operations`` (method → operationId), declared in a line;
    ``attributes``: ``url_to_path``, ``body_to_path``, ``query_names``, ``export``."""
    names = "_".join(operations.values())
    doc = ", ".join(f"{method.upper()} → openapi {op}" for method, op in operations.items())
    return type(
        f"Relay_{names}_Api",
        (OperationApi,),
        {"operations": operations, "__doc__": doc + ".", **attributes},
    )


# -- login and logout ------------------------------------------------------------------------


class LoginApi(BffApi):
    """POST /login {username, password}: the password checked by openapi (verifyUser with the
    portal's role), then a new session. CSRF-checked too (login CSRF)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=64)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = session_login(
            request._request,
            user_name=body.validated_data["username"],
            password=body.validated_data["password"],
        )
        return Response({"success": True, "userId": user.user_id, "userName": user.user_name})


class LogoutApi(BffApi):
    """POST /logout: the session ends (its Redis entry is deleted)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def post(self, request):
        if session_user(request._request) is not None:
            session_logout(request._request)
        return Response({"success": True})


# -- health ----------------------------------------------------------------------------------


class HealthApi(APIView):
    """The BFF's Redis (sessions, column choices) and openapi answer."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        checks = {}
        try:
            for alias in ("default", "sessions"):
                caches[alias].set("bmp:health", "1", timeout=10)
            checks["redis"] = None
        except Exception as exc:
            checks["redis"] = type(exc).__name__
        try:
            openapi().call("health", caller=caller_for(request, user_id=""))
            checks["openapi"] = None
        except ContractClientError as exc:
            checks["openapi"] = type(exc).__name__
        failed = {name: reason for name, reason in checks.items() if reason}
        if failed:
            detail = ", ".join(f"{name}: {reason}" for name, reason in failed.items())
            raise BmpError(errors.UNAVAILABLE, detail=detail)
        return Response(
            {"status": "ok", "service": settings.BMP_SERVICE, "checks": dict.fromkeys(checks, "ok")}
        )


# -- per-page column choices -----------------------------------------------------------------

PAGE_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_CUSTOM_INFO = 16 * 1024


def _custom_key(user_id: str, page_key: str) -> str:
    return f"{settings.BMP_PORTAL.custom_prefix}{user_id}:{page_key}"


class CustomInfoGetApi(BffApi):
    """GET /custom/getCustomInfo?pageKey=: the user's column choices of one page ({} if none)."""

    def get(self, request):
        page_key = request.query_params.get("pageKey", "")
        if not PAGE_KEY.match(page_key):
            raise BmpError(errors.INVALID_ARGUMENT, detail="pageKey: 1-64 of A-Z a-z 0-9 _ . : -")
        raw = get_redis_connection("default").get(_custom_key(self.user.user_id, page_key))
        return Response(json.loads(raw) if raw else {})


class CustomInfoSetApi(BffApi):
    """POST /custom/setCustomInfo {pageKey, pageValue}: kept in Redis for the user, no expiry."""

    class InputSerializer(serializers.Serializer):
        pageKey = serializers.RegexField(PAGE_KEY)
        pageValue = serializers.DictField()

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        value = json.dumps(body.validated_data["pageValue"], ensure_ascii=False)
        if len(value.encode()) > MAX_CUSTOM_INFO:
            raise BmpError(errors.TOO_LARGE)
        key = _custom_key(self.user.user_id, body.validated_data["pageKey"])
        get_redis_connection("default").set(key, value)
        return Response({"success": True})


# -- Django-level views and routes -----------------------------------------------------------


def csrf_failure(request, reason=""):
    """A CSRF refusal outside DRF (CsrfViewMiddleware on a plain Django view)."""
    return error_json_response(request, bff_errors.CSRF_FAILED, detail=reason)


def route(pattern: str, view, name: str | None = None):
    """``pattern`` with or without a trailing slash (upstream's routers take both)."""
    return re_path(rf"^{pattern.strip('/')}/?$", view, name=name)


def bff_urlpatterns() -> list:
    from bmp_common.bff.live import EventsView

    return [
        route("health", HealthApi.as_view(), "health"),
        route("login", LoginApi.as_view(), "login"),
        route("logout", LogoutApi.as_view(), "logout"),
        route("custom/getCustomInfo", CustomInfoGetApi.as_view()),
        route("custom/setCustomInfo", CustomInfoSetApi.as_view()),
        route("events", EventsView.as_view(), "events"),
    ]

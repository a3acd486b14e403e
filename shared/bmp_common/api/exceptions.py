"""One exception handler for DRF and the Django error views, so every answer is the envelope."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response

from bmp_common import errors
from bmp_common.api.envelope import error_body_for, error_json_response, request_id_of
from bmp_common.errors import BmpError

log = logging.getLogger(__name__)


def flatten_detail(detail, prefix: str = "") -> list[str]:
    """DRF's nested error detail as ``field: message`` strings, in a stable order."""
    if isinstance(detail, dict):
        lines = []
        for key, value in detail.items():
            if isinstance(key, int):  # DRF reports list items by index: devices[3].mac1
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix
            lines.extend(flatten_detail(value, name))
        return lines
    if isinstance(detail, list):
        lines = []
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            lines.extend(flatten_detail(value, f"{prefix}[{index}]" if nested else prefix))
        return lines
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def to_bmp_error(exc: Exception, request) -> BmpError | None:
    """Map a framework exception to a catalogue entry; None for a genuine server error."""
    if isinstance(exc, BmpError):
        return exc
    if isinstance(exc, drf.ParseError):
        return BmpError(errors.MALFORMED_BODY)
    if isinstance(exc, drf.ValidationError):
        return BmpError(errors.INVALID_ARGUMENT, detail="; ".join(flatten_detail(exc.detail)))
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        return BmpError(errors.UNAUTHENTICATED)
    if isinstance(exc, drf.PermissionDenied | DjangoPermissionDenied):
        return BmpError(errors.PERMISSION_DENIED)
    if isinstance(exc, drf.NotFound | Http404):
        return BmpError(errors.PATH_NOT_FOUND, path=request.path)
    if isinstance(exc, drf.MethodNotAllowed):
        return BmpError(errors.METHOD_NOT_ALLOWED, method=request.method)
    if isinstance(exc, drf.UnsupportedMediaType):
        return BmpError(
            errors.UNSUPPORTED_MEDIA_TYPE, media_type=(request.content_type or "none")[:100]
        )
    if isinstance(exc, drf.APIException):
        spec = errors.BY_HTTP_STATUS.get(exc.status_code)
        if spec is None:
            spec = errors.INVALID_ARGUMENT if exc.status_code < 500 else errors.INTERNAL
        return BmpError(spec, detail=str(exc.detail), request_id=request_id_of(request))
    return None


def drf_exception_handler(exc, context):
    request = context.get("request")
    error = to_bmp_error(exc, request)
    if error is None:
        log.exception("unhandled error in %s %s", request.method, request.path)
        error = BmpError(errors.INTERNAL, request_id=request_id_of(request))
    headers = {}
    if isinstance(exc, drf.MethodNotAllowed):
        view = context.get("view")
        if view is not None:
            headers["Allow"] = ", ".join(view.allowed_methods)
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, drf.Throttled) and exc.wait:
        headers["Retry-After"] = str(int(exc.wait))
    return Response(error_body_for(request, error), status=error.spec.code, headers=headers)


# Django's own error views (wired as handler400/403/404/500 in every service's urls.py) answer
# what never reaches DRF: unknown paths, disallowed hosts, crashes in middleware.


def bad_request(request, exception=None):
    return error_json_response(request, errors.INVALID_ARGUMENT, detail="bad request")


def permission_denied(request, exception=None):
    return error_json_response(request, errors.PERMISSION_DENIED)


def page_not_found(request, exception=None):
    return error_json_response(request, errors.PATH_NOT_FOUND, path=request.path)


def server_error(request):
    return error_json_response(request, errors.INTERNAL, request_id=request_id_of(request))

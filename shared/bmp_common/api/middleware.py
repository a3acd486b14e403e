"""Request-scoped plumbing: the trace id, the request language, and the envelope safety net."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from bmp_common import errors
from bmp_common.api.envelope import error_json_response
from bmp_common.i18n import DJANGO_LANGUAGE, default_language, header_language
from bmp_common.tracing import accept_or_new, bind_trace_id, unbind_trace_id


def _spec_for_status(request, response):
    """The catalogue entry closest to a framework's non-envelope error answer."""
    status = response.status_code
    params = {
        "path": request.path,
        "method": request.method,
        "detail": response.reason_phrase,
        "request_id": getattr(request, "trace_id", ""),
    }
    known = {
        401: errors.UNAUTHENTICATED,
        404: errors.PATH_NOT_FOUND,
        405: errors.METHOD_NOT_ALLOWED,
        413: errors.TOO_LARGE,
        **errors.BY_HTTP_STATUS,
    }
    spec = known.get(status) or (errors.INVALID_ARGUMENT if status < 500 else errors.INTERNAL)
    return spec, params


class TraceIdMiddleware:
    """Takes the caller's ``traceId`` header (or makes one) and echoes it as ``TraceId``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.trace_id = accept_or_new(request.META.get("HTTP_TRACEID"))
        token = bind_trace_id(request.trace_id)
        try:
            response = self.get_response(request)
        finally:
            unbind_trace_id(token)
        response["TraceId"] = request.trace_id
        return response


class BodySizeLimitMiddleware:
    """Answers 413 before anything reads a body declared larger than ``BMP_MAX_JSON_BODY``.

    Django reads a body without ``Content-Length`` (chunked) as empty, so only the declared
    length needs a check here; the JSON parser stops reading at the same limit whatever it is told.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.BMP_MAX_JSON_BODY:
            return error_json_response(request, errors.TOO_LARGE)
        return self.get_response(request)


class LanguageMiddleware:
    """Activates the ``bmpLanguage`` header's language so framework messages follow it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = header_language(request) or default_language()
        with translation.override(DJANGO_LANGUAGE[language]):
            return self.get_response(request)


class EnvelopeFallbackMiddleware:
    """Turns any error answer that is not already JSON into the error envelope.

    DRF views and Django's error handlers already answer with the envelope; this catches the
    rest (plain-Django 405s, CSRF failures, errors raised by other middleware).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        spec, params = _spec_for_status(request, response)
        replacement = error_json_response(request, spec, **params)
        if response.has_header("Allow"):
            replacement["Allow"] = response["Allow"]
        return replacement

"""Upstream BMP's response envelope.

Success: ``{"requestId": ..., "result": ...}``. Failure: ``{"requestId": ..., "error": {"code",
"message", "status"}}`` with the HTTP status equal to ``error.code``.
"""

from __future__ import annotations

from django.http import JsonResponse
from rest_framework.renderers import JSONRenderer

from bmp_common.errors import BmpError, ErrorSpec
from bmp_common.i18n import request_language
from bmp_common.tracing import current_trace_id


def request_id_of(request) -> str:
    return getattr(request, "trace_id", None) or current_trace_id()


def success_body(request_id: str, result) -> dict:
    return {"requestId": request_id, "result": result}


def error_body(request_id: str, *, code: int, message: str, status: str) -> dict:
    return {"requestId": request_id, "error": {"code": code, "message": message, "status": status}}


def error_body_for(request, error: BmpError) -> dict:
    return error_body(
        request_id_of(request),
        code=error.spec.code,
        message=error.message(request_language(request)),
        status=error.spec.status,
    )


def error_json_response(request, spec: ErrorSpec, **params) -> JsonResponse:
    """An error envelope outside DRF (Django's 404/500 handlers, middleware)."""
    body = error_body_for(request, BmpError(spec, **params))
    return JsonResponse(body, status=spec.code, json_dumps_params={"ensure_ascii": False})


class EnvelopeRenderer(JSONRenderer):
    """Wraps a successful DRF answer in the envelope; errors arrive already wrapped."""

    charset = "utf-8"
    ensure_ascii = False

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and response.status_code < 400 and not response.exception:
            data = success_body(request_id_of(context.get("request")), data)
        return super().render(data, accepted_media_type, renderer_context)

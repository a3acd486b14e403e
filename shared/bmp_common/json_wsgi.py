"""A small JSON-over-HTTP WSGI application for the monitoring services (monitor-proxy,
pronoea): routes by method and path, bounded JSON bodies, bearer tokens compared in constant
time, and BMP's envelope (``{"requestId", "result"}`` / ``{"requestId", "error"}``).

Handlers take a ``Request`` and return the result, or raise ``HttpError``.
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

log = logging.getLogger(__name__)

MAX_BODY = 4 * 1024 * 1024
STATUS_TEXT = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    413: "413 Payload Too Large",
    500: "500 Internal Server Error",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
}
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "TOO_LARGE",
    500: "INTERNAL",
    502: "BAD_GATEWAY",
    503: "UNAVAILABLE",
}


class HttpError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    remote: str
    request_id: str
    extra: dict = field(default_factory=dict)

    def json(self) -> dict:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            raise HttpError(400, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise HttpError(400, "the body is not a JSON object")
        return data

    def bearer(self) -> str:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""


def require_token(request: Request, expected: str) -> None:
    """401 unless the request's bearer token is ``expected`` (never matches an empty one)."""
    token = request.bearer()
    if not expected or not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HttpError(401, "missing or invalid credentials")


Handler = Callable[[Request], object]


class JsonApp:
    def __init__(self, name: str):
        self.name = name
        self.routes: dict[tuple[str, str], Handler] = {}

    def route(self, method: str, path: str):
        def register(handler: Handler) -> Handler:
            self.routes[(method, path.rstrip("/") or "/")] = handler
            return handler

        return register

    def __call__(self, environ, start_response):
        request_id = uuid.uuid4().hex
        try:
            request = self._request(environ, request_id)
            handler = self.routes.get((request.method, request.path))
            if handler is None:
                known = any(path == request.path for _, path in self.routes)
                raise HttpError(405 if known else 404, f"{request.method} {request.path}")
            code, body = 200, {"requestId": request_id, "result": handler(request)}
        except HttpError as exc:
            code, body = exc.code, self._error(request_id, exc.code, exc.message)
        except Exception:
            log.exception("%s: unhandled error", self.name)
            code, body = 500, self._error(request_id, 500, "internal error")
        payload = json.dumps(body, ensure_ascii=False, default=str).encode()
        start_response(
            STATUS_TEXT.get(code, f"{code} Error"),
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                ("TraceId", request_id),
            ],
        )
        return [payload]

    @staticmethod
    def _error(request_id: str, code: int, message: str) -> dict:
        status = STATUS_NAMES.get(code, "ERROR")
        return {
            "requestId": request_id,
            "error": {"code": code, "message": message, "status": status},
        }

    @staticmethod
    def _request(environ, request_id: str) -> Request:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise HttpError(400, "bad Content-Length") from None
        if length > MAX_BODY:
            raise HttpError(413, "the body is too large")
        body = environ["wsgi.input"].read(length) if length else b""
        query = {
            key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()
        }
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        return Request(
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("PATH_INFO", "/").rstrip("/") or "/",
            query=query,
            headers=headers,
            body=body,
            remote=environ.get("REMOTE_ADDR", ""),
            request_id=request_id,
        )

"""How a BFF calls oob-alert (8804): upstream's routes under ``/v1/oob-alert/``, as the session's
user.

oob-alert's routes are not part of openapi's Swagger contract (``bmp_common.contract``), so this
is a client of its own, shaped like the contract client: the routes a console may reach are
listed here (``CONSOLE_ROUTES``, ``OPERATION_ROUTES``, from upstream's two SPAs), anything else
is refused before a byte leaves, and every call carries the ``system`` key (the 0600 file
``bmp_bootstrap`` writes) with ``bmpUserId``. oob-alert honours that header only beside the
system key and asks openapi who the user is (their role, and for a tenant the devices under
the instances they see), as openapi itself does for the BFFs.

    client = OobAlertClient("http://127.0.0.1:8804", key_file=system_key_file())
    answer = client.call("GET", "consolelogs", caller=caller, query={"sn": "…"})

An answer is oob-alert's ``result`` (JSON), or a ``Download`` (an ``exportType`` .xlsx, read
in chunks as the browser takes them). An error answer raises ``OobAlertError`` with
oob-alert's envelope error (code, status symbol, message in the caller's language).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import urllib3

from bmp_common import pooled_http
from bmp_common.contract.client import Caller, KeyFile, KeyFileError

log = logging.getLogger(__name__)

PREFIX = "/v1/oob-alert/"

# (method, route under PREFIX) that upstream's tenant console calls (bmp-console-web
# src/api/config.ts): the instance's hardware health, its fault log (and its export), the
# fault log's column choices.
CONSOLE_ROUTES = frozenset(
    {
        ("GET", "device/status"),
        ("GET", "consolelogs"),
        ("GET", "custom/get-custom-info"),
        ("POST", "custom/set-custom-info"),
    }
)
# What upstream's operator portal calls besides (bmp-operation-web src/api/surveillance/*,
# device/config.ts, public/config.ts): the fault log with "handled", the fault rules (list,
# push, enable, reset to defaults, their parts and levels). Lists export with ``exportType``.
OPERATION_ROUTES = CONSOLE_ROUTES | frozenset(
    {
        ("GET", "logs"),
        ("POST", "logs/deal"),
        ("GET", "rules"),
        ("GET", "rules/alert-spec-list"),
        ("GET", "rules/alert-level-list"),
        ("POST", "rules/change-push"),
        ("POST", "rules/change-use"),
        ("POST", "rules/reset"),
    }
)
# Query names upstream's SPAs spell differently from oob-alert (which ignored them upstream):
# the console's hardware tab sends idcId, the portal's lists pageNumber and pageSize.
QUERY_NAMES = {"idcId": "idc_id", "pageNumber": "page_num", "pageSize": "page_size"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


class OobAlertClientError(Exception):
    """Base of every error the client raises."""


class UnknownRoute(OobAlertClientError):
    """Not a route a console may reach; nothing was sent."""


class OobAlertUnavailable(OobAlertClientError):
    """oob-alert could not be reached, did not answer in time, or the key file is unusable."""


class OobAlertBadAnswer(OobAlertClientError):
    """oob-alert answered neither its envelope nor a download (a bug on either side)."""


class OobAlertError(OobAlertClientError):
    """oob-alert answered with the error envelope: ``{"error": {code, message, status}}``."""

    def __init__(self, *, route: str, code: int, status: str, message: str, request_id=""):
        self.route = route
        self.code = code  # the HTTP status too
        self.status = status
        self.message = message
        self.request_id = request_id
        super().__init__(f"{route}: {code} {status}: {message}")


@dataclass(frozen=True)
class Download:
    """An export: its media type, file name header and body, read in chunks."""

    content_type: str
    disposition: str
    chunks: Iterator[bytes]


def oob_query(params: Mapping[str, str]) -> dict[str, str]:
    """A console's query string as oob-alert names it (``QUERY_NAMES``); a name given in both
    spellings keeps oob-alert's."""
    query = {name: value for name, value in params.items() if name not in QUERY_NAMES}
    for spelt, name in QUERY_NAMES.items():
        if spelt in params and name not in query:
            query[name] = params[spelt]
    return query


def _chunks(answer) -> Iterator[bytes]:
    try:
        yield from answer.stream(CHUNK)
    finally:
        answer.release_conn()


class OobAlertClient:
    """oob-alert's console routes with the system key. Thread-safe: one per process."""

    def __init__(
        self, base_url: str, *, key_file: Path | str, timeout: float = 120.0, pool_size: int = 8
    ):
        self.base_url = base_url.rstrip("/")
        self.key = KeyFile(key_file)
        self.http = urllib3.PoolManager(
            maxsize=pool_size, retries=False, timeout=urllib3.Timeout(connect=3.0, read=timeout)
        )

    def request_for(
        self,
        method: str,
        route: str,
        *,
        caller: Caller,
        query: Mapping[str, str] | None = None,
        body=None,
    ) -> tuple[str, dict[str, str], bytes | None]:
        """What ``call`` would send, without the key: (url, headers, body)."""
        method = method.upper()
        if (method, route) not in OPERATION_ROUTES:
            raise UnknownRoute(f"{method} {PREFIX}{route} is not a console route of oob-alert")
        if not caller.user_id:
            # Without bmpUserId the system key is oob-agent's, which has no console routes.
            raise UnknownRoute(f"{method} {PREFIX}{route}: no user to call it for")
        headers = {"Accept": "application/json", "bmpUserId": caller.user_id}
        if caller.language:
            headers["bmpLanguage"] = caller.language
        if caller.trace_id:
            headers["traceId"] = caller.trace_id
        payload = None
        if method != "GET":
            payload = json.dumps(body if body is not None else {}, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        pairs = {name: value for name, value in (query or {}).items() if value != ""}
        url = self.base_url + PREFIX + route + (f"?{urlencode(pairs)}" if pairs else "")
        return url, headers, payload

    def call(
        self,
        method: str,
        route: str,
        *,
        caller: Caller,
        query: Mapping[str, str] | None = None,
        body=None,
    ):
        """oob-alert's ``result``, or a ``Download``; raises ``OobAlertError`` on its error
        envelope."""
        url, headers, payload = self.request_for(
            method, route, caller=caller, query=query, body=body
        )
        try:
            headers["Authorization"] = f"Bearer {self.key.token()}"
        except KeyFileError as exc:  # the BFF cannot speak for anyone
            raise OobAlertUnavailable(str(exc)) from None
        try:
            answer = pooled_http.request(
                self.http, method.upper(), url, body=payload, headers=headers, preload_content=False
            )
        except urllib3.exceptions.HTTPError as exc:
            log.warning("oob-alert %s unreachable: %s", route, type(exc).__name__)
            raise OobAlertUnavailable(f"{route}: {type(exc).__name__}") from None
        media = (answer.headers.get("Content-Type") or "").split(";", 1)[0].strip()
        if answer.status == 200 and media == XLSX_TYPE:
            disposition = answer.headers.get("Content-Disposition", "attachment")
            return Download(media, disposition, _chunks(answer))
        try:
            data = answer.read()
        except urllib3.exceptions.HTTPError as exc:
            raise OobAlertUnavailable(f"{route}: {type(exc).__name__}") from None
        finally:
            answer.release_conn()
        return self._answer(route, answer.status, media, data)

    @staticmethod
    def _answer(route: str, status: int, media: str, data: bytes):
        try:
            body = json.loads(data) if media == "application/json" else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise OobAlertBadAnswer(f"{route}: {status} answer is not JSON ({media})")
        if status >= 400:
            error = body.get("error")
            if not isinstance(error, dict) or not {"code", "status", "message"} <= error.keys():
                raise OobAlertBadAnswer(f"{route}: {status} not an error envelope")
            raise OobAlertError(
                route=route,
                code=status,
                status=str(error["status"]),
                message=str(error["message"]),
                request_id=str(body.get("requestId", "")),
            )
        if status != 200 or "result" not in body:
            raise OobAlertBadAnswer(f"{route}: answered {status} without a result")
        return body["result"]


__all__ = [
    "CONSOLE_ROUTES",
    "OPERATION_ROUTES",
    "Download",
    "OobAlertBadAnswer",
    "OobAlertClient",
    "OobAlertClientError",
    "OobAlertError",
    "OobAlertUnavailable",
    "UnknownRoute",
    "oob_query",
]

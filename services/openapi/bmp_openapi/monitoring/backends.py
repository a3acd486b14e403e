"""openapi's calls to the monitoring services: pronoea (rule files, chart queries) and the
monitor-proxy (agent status, device tags). Both take the generated ``BMP_MONITOR_TOKEN``.

An address left empty (``BMP_PRONOEA_URL``, ``BMP_MONITOR_PROXY_URL``) means the component is
not deployed: reads answer 503 saying so, and rule changes are kept for the drift check.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings

from bmp_common.errors import BmpError
from bmp_openapi.monitoring.error_codes import MONITORING_NOT_DEPLOYED, MONITORING_UNREACHABLE

log = logging.getLogger(__name__)

PRONOEA = "pronoea"
MONITOR_PROXY = "monitor-proxy"
TIMEOUT_S = 5.0


def _base(component: str) -> str:
    url = settings.BMP_PRONOEA_URL if component == PRONOEA else settings.BMP_MONITOR_PROXY_URL
    return url.rstrip("/")


def deployed(component: str) -> bool:
    return bool(_base(component))


def call(component: str, method: str, path: str, body: dict | None = None):
    """The ``result`` of ``component``'s answer; 503 when it is not deployed or fails."""
    base = _base(component)
    if not base:
        raise BmpError(MONITORING_NOT_DEPLOYED, component=component)
    if not base.startswith(("http://", "https://")):
        raise BmpError(MONITORING_NOT_DEPLOYED, component=component)
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        f"{base}{path}",
        data=data,
        method=method,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.BMP_MONITOR_TOKEN}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310
            payload = json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = f"HTTP {exc.code}"
        try:
            detail = json.loads(exc.read()).get("message", detail)
        except (ValueError, AttributeError):
            pass
        raise BmpError(MONITORING_UNREACHABLE, component=component, detail=detail) from None
    except (OSError, ValueError) as exc:
        raise BmpError(
            MONITORING_UNREACHABLE, component=component, detail=type(exc).__name__
        ) from None
    return payload.get("result", payload)

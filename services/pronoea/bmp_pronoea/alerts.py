"""Alertmanager's webhook → openapi's addAlert (console profile) with the `alert` API key:
every alert, firing (an alert) or resolved (a recovery, ``isRecover`` 1). Upstream dropped the
resolved ones, so rules never came back to normal and nobody heard of a recovery."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

from bmp_common.json_wsgi import HttpError
from bmp_common.monitoring import GB_METRICS, PRONOEA_SOURCE

log = logging.getLogger(__name__)

TRIGGER_FIELDS = (
    "metric",
    "period",
    "calculation",
    "calculationUnit",
    "operation",
    "threshold",
    "times",
    "noticeLevel",
)
NUMBERS = ("period", "times", "noticeLevel")


def _number(text: str):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return text
    return int(value) if value.is_integer() else value


def alert_item(alert: dict, now: int) -> dict | None:
    """openapi's AddAlertItem for one of Alertmanager's alerts; None for an alert not ours."""
    labels = alert.get("labels") or {}
    if not str(labels.get("alertname", "")).startswith(f"{PRONOEA_SOURCE}_"):
        return None
    if not labels.get("ruleId") or not labels.get("instanceId") or not labels.get("metric"):
        return None
    trigger = {name: labels.get(name, "") for name in TRIGGER_FIELDS}
    for name in (*NUMBERS, "threshold"):
        trigger[name] = _number(trigger[name])
    value = (alert.get("annotations") or {}).get("currentValue", "")
    try:
        number = float(value)
        if trigger["metric"] in GB_METRICS:
            number /= 1e9
        value = f"{number:.2f}"
    except ValueError:
        value = str(value)[:64]
    period, times = trigger["period"], trigger["times"]
    return {
        "ruleName": labels["alertname"][:256],
        "ruleId": labels["ruleId"],
        "instanceId": labels["instanceId"],
        "trigger": urllib.parse.quote(json.dumps(trigger, separators=(",", ":"))),
        "calculationUnit": str(trigger["calculationUnit"])[:16],
        "alertValue": value,
        "alertTimestamp": now,
        "alertPeriod": period * times if isinstance(period, int) and isinstance(times, int) else 0,
        "isRecover": 1 if alert.get("status") == "resolved" else 0,
    }


def forward(payload: dict, *, openapi_console_url: str, alert_key: str, timeout: float) -> int:
    """Posts the payload's alerts to addAlert; returns how many. 503 if openapi did not take
    them (Alertmanager then retries the notification)."""
    now = int(time.time())
    items = [item for a in payload.get("alerts") or [] if (item := alert_item(a, now))]
    if not items:
        return 0
    if not alert_key:
        raise HttpError(503, "no alert API key: run bmp_bootstrap")
    request = urllib.request.Request(  # noqa: S310 (http(s) from the configuration)
        f"{openapi_console_url}/v1/monitorAlert/addAlert",
        data=json.dumps({"alerts": items}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {alert_key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310
            pass
    except urllib.error.HTTPError as exc:
        log.warning("addAlert answered %s: %s", exc.code, exc.read()[:300])
        if exc.code >= 500:
            raise HttpError(503, f"openapi answered {exc.code}") from None
        return 0  # refused for good (a malformed alert): retrying will not help
    except OSError as exc:
        raise HttpError(503, f"openapi did not answer: {type(exc).__name__}") from None
    log.info("%d alert(s) posted to openapi", len(items))
    return len(items)

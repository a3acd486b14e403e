"""Prometheus's HTTP API as pronoea uses it: reload after rule changes, and chart queries
(query_range) built from openapi's getMonitorData query (upstream's shape)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from bmp_common.json_wsgi import HttpError
from bmp_common.monitoring import COUNTER_METRICS, METRICS, TABLE_COUNTER, TABLE_GAUGE
from bmp_pronoea.rules import CALCULATIONS, SAFE_ID

TIMEOUT_S = 10
MAX_POINTS = 11_000  # Prometheus refuses more points per series


def _call(url: str, *, data: bytes | None = None, method: str = "GET") -> dict:
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (config)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310
            body = answer.read()
    except urllib.error.HTTPError as exc:
        raise HttpError(502, f"Prometheus answered {exc.code}: {exc.read()[:300]!r}") from None
    except OSError as exc:
        raise HttpError(503, f"Prometheus did not answer: {type(exc).__name__}") from None
    return json.loads(body) if body.strip().startswith(b"{") else {}


def reload(prometheus_url: str) -> None:
    _call(f"{prometheus_url}/-/reload", data=b"", method="POST")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_query(query: dict, minute_s: int) -> tuple[str, int, int, int]:
    """(PromQL, start, end, step) of openapi's query; 400 for anything unsafe or unknown."""
    try:
        table = query["tableName"]
        labels = dict(query.get("labels") or {})
        start, end, step = int(query["startTime"]), int(query["endTime"]), int(query["step"])
    except (KeyError, TypeError, ValueError):
        raise HttpError(400, "tableName, labels, startTime, endTime and step") from None
    if table not in (TABLE_GAUGE, TABLE_COUNTER) or step <= 0 or start > end:
        raise HttpError(400, "tableName, startTime, endTime or step")
    if (end - start) / step > MAX_POINTS:
        raise HttpError(400, "too many points: widen the step")
    metrics = [m.strip("()") for m in str(labels.pop("metric_name", "")).split("|") if m]
    if not metrics or any(m not in METRICS for m in metrics):
        raise HttpError(400, "labels.metric_name: bmp.* metrics")
    instance_id = str(labels.pop("instance_id", ""))
    if not SAFE_ID.match(instance_id):
        raise HttpError(400, "labels.instance_id")
    matchers = [f"instance_id={_quote(instance_id)}"]
    if len(metrics) == 1:
        matchers.append(f"metric_name={_quote(metrics[0])}")
    else:
        alternatives = "|".join(m.replace(".", "\\\\.") for m in metrics)
        matchers.append(f'metric_name=~"{alternatives}"')
    if labels.get("device"):
        matchers.append(f"device={_quote(str(labels['device']))}")
    promql = f"{table}{{{','.join(matchers)}}}"
    if any(m in COUNTER_METRICS for m in metrics):
        promql = f"rate({promql}[{step + minute_s}s])"
    sample = query.get("sampleMethod") or ""
    if sample in CALCULATIONS:
        promql = f"{sample}({promql})"
    for operator, operand in (query.get("func") or {}).items():
        if operator not in ("/", "*") or not isinstance(operand, int | float) or not operand:
            raise HttpError(400, "func: {'/': n} or {'*': n}")
        promql = f"({promql}) {operator} {operand}"
    return promql, start, end, step


def query_range(prometheus_url: str, query: dict, minute_s: int) -> list[dict]:
    promql, start, end, step = build_query(query, minute_s)
    params = urllib.parse.urlencode(
        {"query": promql, "start": start, "end": end, "step": f"{step}s"}
    )
    answer = _call(f"{prometheus_url}/api/v1/query_range?{params}")
    series = (answer.get("data") or {}).get("result") or []
    return [
        {
            "data": [{"timestamp": int(float(t)), "value": v} for t, v in item.get("values", [])],
            "query": query,
            "labels": item.get("metric", {}),
        }
        for item in series
    ] or [{"data": [], "query": query, "labels": {}}]

"""An agent's points into the Pushgateway, as upstream names them: the 8 counters as
``bmp_monitor_counter`` (job bmp_monitor_counter), the others as ``bmp_monitor_gauge`` (job
bmp_monitor_gauge), with the labels ``instance_id``, ``metric_name`` and ``device``.

One PUT per table and request, grouped by instance (upstream made one per point): an agent's
report replaces the last one of its instance, so a disk that is gone stops being reported.
The counters are pushed untyped under upstream's exact name (a typed counter would be renamed
``…_total``); Prometheus takes their ``rate`` all the same.
"""

from __future__ import annotations

import http.client
import math
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry, push_to_gateway
from prometheus_client.core import GaugeMetricFamily, UnknownMetricFamily

from bmp_common.monitoring import COUNTER_METRICS, METRICS, TABLE_COUNTER, TABLE_GAUGE

MAX_POINTS = 2000
MAX_DEVICE = 128
NETWORK_PREFIX = "bmp.network."
BOND = "bond0"


@dataclass(frozen=True)
class Point:
    metric: str
    device: str
    value: float


def parse_points(raw) -> tuple[list[Point], int]:
    """The valid points of an agent's ``dataPoints`` and how many were dropped."""
    if not isinstance(raw, list) or len(raw) > MAX_POINTS:
        return [], len(raw) if isinstance(raw, list) else 0
    points, dropped = [], 0
    for item in raw:
        try:
            metric = item["metric"]
            value = float(item["value"])
            tags = item.get("tags") or {}
            device = str(tags.get("device", ""))[:MAX_DEVICE] if isinstance(tags, dict) else ""
        except (KeyError, TypeError, ValueError, AttributeError):
            dropped += 1
            continue
        if metric not in METRICS or not math.isfinite(value) or isinstance(item["value"], bool):
            dropped += 1
            continue
        points.append(Point(metric, device, value))
    return only_bond_when_bonded(points), dropped


def only_bond_when_bonded(points: list[Point]) -> list[Point]:
    """Upstream's rule: when bond0 reports, the NIC metrics are bond0's only (its slaves'
    traffic is in it already)."""
    if not any(p.metric.startswith(NETWORK_PREFIX) and p.device == BOND for p in points):
        return points
    return [p for p in points if not p.metric.startswith(NETWORK_PREFIX) or p.device == BOND]


class _Points:
    def __init__(self, table: str, instance_id: str, points: list[Point]):
        self.table, self.instance_id, self.points = table, instance_id, points

    def collect(self):
        family_class = UnknownMetricFamily if self.table == TABLE_COUNTER else GaugeMetricFamily
        family = family_class(
            self.table,
            f"BMP in-band metric ({self.table})",
            labels=["instance_id", "metric_name", "device"],
        )
        # One sample per series: the last value an agent sent wins.
        for point in {(p.metric, p.device): p for p in self.points}.values():
            family.add_metric([self.instance_id, point.metric, point.device], point.value)
        yield family


_connections = threading.local()


def _keep_alive_handler(url, method, timeout, headers, data):
    """prometheus_client's push handler over one kept-alive connection per thread and host
    (its default opens a connection per push)."""

    def handle():
        parts = urlsplit(url)
        pool = _connections.__dict__.setdefault("pool", {})
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):  # a connection the gateway closed meanwhile: once more, anew
            connection = pool.get(parts.netloc)
            if connection is None:
                connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
                pool[parts.netloc] = connection
            try:
                connection.request(method, path, body=data, headers=dict(headers))
                answer = connection.getresponse()
                body = answer.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                pool.pop(parts.netloc, None)
                if attempt == 2:
                    raise
                continue
            if answer.status >= 400:
                raise OSError(f"the Pushgateway answered {answer.status}: {body[:200]!r}")
            return

    return handle


def push(gateway_url: str, instance_id: str, points: list[Point], timeout: float) -> int:
    """Pushes the instance's points (one request per table present); returns the pushes made."""
    pushes = 0
    for table in (TABLE_GAUGE, TABLE_COUNTER):
        mine = [p for p in points if (p.metric in COUNTER_METRICS) == (table == TABLE_COUNTER)]
        if not mine:
            continue
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Points(table, instance_id, mine))
        push_to_gateway(
            gateway_url,
            job=table,
            registry=registry,
            grouping_key={"instance_id": instance_id},
            timeout=timeout,
            handler=_keep_alive_handler,
        )
        pushes += 1
    return pushes

"""What openapi, monitor-proxy, pronoea and the in-guest agent agree on (in-band monitoring):
upstream's metric and Prometheus names, the notice periods, and the Redis names they share.

The agent itself imports nothing (it runs in the guest with the standard library only): it
spells the metric names again, and its tests check them against ``METRICS``.
"""

from __future__ import annotations

# The 21 metrics. The 8 counters are pushed as bmp_monitor_counter (rules and charts take their
# rate), the other 13 as bmp_monitor_gauge.
COUNTER_METRICS = (
    "bmp.disk.bytes.read",
    "bmp.disk.bytes.write",
    "bmp.disk.counts.read",
    "bmp.disk.counts.write",
    "bmp.network.bytes.ingress",
    "bmp.network.bytes.egress",
    "bmp.network.packets.ingress",
    "bmp.network.packets.egress",
)
GAUGE_METRICS = (
    "bmp.cpu.util",
    "bmp.memory.used",
    "bmp.memory.util",
    "bmp.disk.used",
    "bmp.disk.util",
    "bmp.disk.partition.used",
    "bmp.disk.partition.util",
    "bmp.avg.load1",
    "bmp.avg.load5",
    "bmp.avg.load15",
    "bmp.tcp.connect.total",
    "bmp.tcp.connect.established",
    "bmp.process.total",
)
METRICS = GAUGE_METRICS + COUNTER_METRICS
TABLE_COUNTER = "bmp_monitor_counter"
TABLE_GAUGE = "bmp_monitor_gauge"
# Thresholds and values of these are GB in BMP and bytes in Prometheus.
GB_METRICS = ("bmp.memory.used", "bmp.disk.used")
# Chart values of these are bytes per second in Prometheus and bits per second in BMP.
BITS_METRICS = ("bmp.network.bytes.ingress", "bmp.network.bytes.egress")


def table_of(metric: str) -> str:
    return TABLE_COUNTER if metric in COUNTER_METRICS else TABLE_GAUGE


# The device tags monitor-proxy keeps per instance, and the metric whose `device` tag fills each.
TAG_SOURCES = {
    "disk": "bmp.disk.bytes.read",
    "mountpoint": "bmp.disk.partition.used",
    "nic": "bmp.network.bytes.ingress",
}

# Minutes between repeated notices of a firing rule (Alertmanager's group_interval per route).
NOTICE_PERIODS = (5, 10, 15, 30, 60, 180, 360, 720, 1440)
DEFAULT_NOTICE_PERIOD = 60

# Where pronoea keeps BMP's rules (upstream's source name; rule files bmpInBand_<ruleId>.yml).
PRONOEA_SOURCE = "bmpInBand"

# Redis (database REDIS_DB_MONITOR): openapi publishes an instance's revoked agent credential
# here ("<instance_id> <sn>"); monitor-proxy drops what it cached for it.
AGENT_REVOKED_CHANNEL = "bmp:monitor:agent-revoked"
# monitor-proxy's hashes: per instance, the last heartbeat and the device tags.
AGENT_STATUS_KEY = "bmp:monitor:agent:{instance_id}"
DEVICE_TAGS_KEY = "bmp:monitor:tags:{instance_id}"
# monitor-proxy: what it last forwarded to openapi of an instance's software RAID (a digest).
SOFTWARE_RAID_SENT_KEY = "bmp:monitor:raid:{instance_id}"
AGENT_SILENCE_S = 300  # an agent not heard of for this long is "unknown" (status 0)

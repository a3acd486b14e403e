"""Fixed values of in-band monitoring, as upstream BMP names them (metric names, table names,
dimensions, rule and alert codes) with their names in both languages."""

from __future__ import annotations

from bmp_common.i18n import EN_US, ZH_CN
from bmp_common.monitoring import (  # noqa: F401 (re-exported)
    BITS_METRICS,
    COUNTER_METRICS,
    DEFAULT_NOTICE_PERIOD,
    GAUGE_METRICS,
    GB_METRICS,
    METRICS,
    NOTICE_PERIODS,
    PRONOEA_SOURCE,
    TABLE_COUNTER,
    TABLE_GAUGE,
    table_of,
)

# Which device tag a disk, mount point or NIC metric carries (monitor-proxy's device tags).
TAG_DISK, TAG_MOUNTPOINT, TAG_NIC = "disk", "mountpoint", "nic"
TAG_NAMES = (TAG_DISK, TAG_MOUNTPOINT, TAG_NIC)
TAGGED_METRICS = {
    "bmp.disk.used": TAG_DISK,
    "bmp.disk.util": TAG_DISK,
    "bmp.disk.bytes.read": TAG_DISK,
    "bmp.disk.bytes.write": TAG_DISK,
    "bmp.disk.counts.read": TAG_DISK,
    "bmp.disk.counts.write": TAG_DISK,
    "bmp.disk.partition.used": TAG_MOUNTPOINT,
    "bmp.disk.partition.util": TAG_MOUNTPOINT,
    "bmp.network.bytes.ingress": TAG_NIC,
    "bmp.network.bytes.egress": TAG_NIC,
    "bmp.network.packets.ingress": TAG_NIC,
    "bmp.network.packets.egress": TAG_NIC,
}

RESOURCE_INSTANCE = "instance"
RESOURCES = (RESOURCE_INSTANCE,)
DIMENSION_INSTANCE = "instance"
DIMENSIONS = (DIMENSION_INSTANCE, TAG_DISK, TAG_MOUNTPOINT, TAG_NIC)

CALCULATIONS = ("min", "max", "avg", "sum")
# Comparison codes and their operators; a rule may give either.
OPERATIONS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "neq": "!="}
OPERATORS = tuple(OPERATIONS.values())
TIMES = (1, 2, 3, 5, 10, 15, 30, 60)  # how many periods a condition must last
MAX_PERIOD = 1440  # minutes
NOTICE_LEVELS = (1, 2, 3)
NOTICE_WAY_MESSAGE, NOTICE_WAY_MAIL = 1, 2
NOTICE_WAYS = (NOTICE_WAY_MESSAGE, NOTICE_WAY_MAIL)
NOTICE_ON_ALERT, NOTICE_ON_RECOVERY = 1, 2
NOTICE_CONDITIONS = (NOTICE_ON_ALERT, NOTICE_ON_RECOVERY)

# Rule status: 1 normal, 2 disabled, 3 alarming (some instance's condition holds now).
RULE_NORMAL, RULE_DISABLED, RULE_ALARMING = 1, 2, 3
RULE_STATUSES = (RULE_NORMAL, RULE_DISABLED, RULE_ALARMING)

# Agent status (monitor-proxy): 1 running, 2 stopped, 0 unknown (silent for 300 s).
AGENT_UNKNOWN, AGENT_RUNNING, AGENT_STOPPED = 0, 1, 2

NAMES: dict[object, dict[str, str]] = {
    ("status", RULE_NORMAL): {EN_US: "Normal", ZH_CN: "正常"},
    ("status", RULE_DISABLED): {EN_US: "Disabled", ZH_CN: "已禁用"},
    ("status", RULE_ALARMING): {EN_US: "Alert", ZH_CN: "报警"},
    ("level", 1): {EN_US: "General", ZH_CN: "一般"},
    ("level", 2): {EN_US: "Serious", ZH_CN: "严重"},
    ("level", 3): {EN_US: "Emergency", ZH_CN: "紧急"},
    ("calculation", "min"): {EN_US: "Min", ZH_CN: "最小值"},
    ("calculation", "max"): {EN_US: "Max", ZH_CN: "最大值"},
    ("calculation", "avg"): {EN_US: "Avg", ZH_CN: "平均值"},
    ("calculation", "sum"): {EN_US: "Sum", ZH_CN: "总和"},
    ("dimension", DIMENSION_INSTANCE): {EN_US: "instance", ZH_CN: "实例"},
    ("dimension", TAG_DISK): {EN_US: "disk", ZH_CN: "盘符"},
    ("dimension", TAG_MOUNTPOINT): {EN_US: "mountpoint", ZH_CN: "挂载点"},
    ("dimension", TAG_NIC): {EN_US: "nic", ZH_CN: "网卡"},
    ("resource", RESOURCE_INSTANCE): {EN_US: "instance", ZH_CN: "实例"},
    ("agent", AGENT_UNKNOWN): {EN_US: "unknown", ZH_CN: "未知"},
    ("agent", AGENT_RUNNING): {EN_US: "running", ZH_CN: "运行"},
    ("agent", AGENT_STOPPED): {EN_US: "stopped", ZH_CN: "停止"},
}


def name_of(kind: str, value, language: str) -> str:
    names = NAMES.get((kind, value))
    if names is None:
        return str(value)
    return names.get(language, names[EN_US])

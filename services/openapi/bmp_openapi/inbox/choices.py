"""Message types and sub-types (upstream's stored values) with their names in both languages."""

from __future__ import annotations

from bmp_common.i18n import EN_US, ZH_CN

OPERATION = "operation"  # the result of a task someone started (install, collect, power...)
SYSTEM = "system"  # the platform's own notices (licence expiry)
OOB_MONITOR = "oob-monitor"  # a BMC SEL fault (out-of-band monitoring)
INBOND_ALERT = (
    "inbond-alert"  # a monitoring rule fired (in-band agent metrics); upstream's spelling
)

# type -> its sub-types, in the order getMessageTypes lists them. The values are what upstream
# stores: task names, fault classes (upstream stores the Chinese class) and metric names.
SUB_TYPES: dict[str, tuple[str, ...]] = {
    OPERATION: (
        "CollectHardwareInfo",
        "CreateDevices",
        "CreateInstances",
        "CutDeviceStock",
        "DeleteInstance",
        "InstanceResetPassword",
        "PutawayDevice",
        "ReinstallInstance",
        "RestartInstances",
        "StartInstances",
        "StopInstances",
    ),
    SYSTEM: ("LicenseNearTimeout",),
    OOB_MONITOR: ("电力故障", "温控故障", "CPU故障", "内存故障", "硬盘故障", "其他故障"),
    INBOND_ALERT: (
        "bmp.cpu.util",
        "bmp.memory.util",
        "bmp.memory.used",
        "bmp.disk.used",
        "bmp.disk.util",
        "bmp.disk.partition.used",
        "bmp.disk.partition.util",
        "bmp.disk.bytes.read",
        "bmp.disk.bytes.write",
        "bmp.disk.counts.read",
        "bmp.disk.counts.write",
        "bmp.network.bytes.ingress",
        "bmp.network.bytes.egress",
        "bmp.network.packets.ingress",
        "bmp.network.packets.egress",
        "bmp.avg.load1",
        "bmp.avg.load5",
        "bmp.avg.load15",
        "bmp.tcp.connect.total",
        "bmp.tcp.connect.established",
        "bmp.process.total",
    ),
}
MESSAGE_TYPES = tuple(SUB_TYPES)

# value -> {language: display name}. English names are upstream's (which showed the task names
# and the message types as they are stored).
NAMES: dict[str, dict[str, str]] = {
    OPERATION: {EN_US: "operation", ZH_CN: "操作消息"},
    SYSTEM: {EN_US: "system", ZH_CN: "系统消息"},
    OOB_MONITOR: {EN_US: "oob-monitor", ZH_CN: "故障消息"},
    INBOND_ALERT: {EN_US: "inbond-alert", ZH_CN: "报警消息"},
    "CollectHardwareInfo": {EN_US: "CollectHardwareInfo", ZH_CN: "采集"},
    "CreateDevices": {EN_US: "CreateDevices", ZH_CN: "上传设备"},
    "CreateInstances": {EN_US: "CreateInstances", ZH_CN: "创建实例"},
    "CutDeviceStock": {EN_US: "CutDeviceStock", ZH_CN: "削减库存"},
    "DeleteInstance": {EN_US: "DeleteInstance", ZH_CN: "删除实例"},
    "InstanceResetPassword": {EN_US: "InstanceResetPassword", ZH_CN: "重置密码"},
    "PutawayDevice": {EN_US: "PutawayDevice", ZH_CN: "设备上架"},
    "ReinstallInstance": {EN_US: "ReinstallInstance", ZH_CN: "重装系统"},
    "RestartInstances": {EN_US: "RestartInstances", ZH_CN: "重启实例"},
    "StartInstances": {EN_US: "StartInstances", ZH_CN: "开机"},
    "StopInstances": {EN_US: "StopInstances", ZH_CN: "关机"},
    "LicenseNearTimeout": {EN_US: "LicenseNearTimeout", ZH_CN: "许可证到期"},
    "电力故障": {EN_US: "Power Fault", ZH_CN: "电力故障"},
    "温控故障": {EN_US: "Temp Fault", ZH_CN: "温控故障"},
    "CPU故障": {EN_US: "CPU Fault", ZH_CN: "CPU故障"},
    "内存故障": {EN_US: "Mem Fault", ZH_CN: "内存故障"},
    "硬盘故障": {EN_US: "Disk Fault", ZH_CN: "硬盘故障"},
    "其他故障": {EN_US: "Other Fault", ZH_CN: "其他故障"},
    "bmp.cpu.util": {EN_US: "CPU Usage", ZH_CN: "CPU使用率"},
    "bmp.memory.util": {EN_US: "Memory Usage", ZH_CN: "内存使用率"},
    "bmp.memory.used": {EN_US: "Memory Used", ZH_CN: "内存使用量"},
    "bmp.disk.used": {EN_US: "Disk Used", ZH_CN: "磁盘使用量"},
    "bmp.disk.util": {EN_US: "Disk Usage", ZH_CN: "磁盘使用率"},
    "bmp.disk.partition.used": {EN_US: "Disk Partition Used", ZH_CN: "磁盘分区使用量"},
    "bmp.disk.partition.util": {EN_US: "Disk Partition Usage", ZH_CN: "磁盘分区使用率"},
    "bmp.disk.bytes.read": {EN_US: "Disk Read Traffic", ZH_CN: "磁盘读流量"},
    "bmp.disk.bytes.write": {EN_US: "Disk Write Traffic", ZH_CN: "磁盘写流量"},
    "bmp.disk.counts.read": {EN_US: "Disk Read IOPS", ZH_CN: "磁盘读IOPS"},
    "bmp.disk.counts.write": {EN_US: "Disk Write IOPS", ZH_CN: "磁盘写IOPS"},
    "bmp.network.bytes.ingress": {EN_US: "Network Ingress Traffic", ZH_CN: "网卡进流量"},
    "bmp.network.bytes.egress": {EN_US: "Network Egress Traffic", ZH_CN: "网卡出流量"},
    "bmp.network.packets.ingress": {EN_US: "Network Ingress Packets", ZH_CN: "网络进包数量"},
    "bmp.network.packets.egress": {EN_US: "Network Egress Packets", ZH_CN: "网络出包数量"},
    "bmp.avg.load1": {EN_US: "Load Average 1min", ZH_CN: "平均负载1min"},
    "bmp.avg.load5": {EN_US: "Load Average 5min", ZH_CN: "平均负载5min"},
    "bmp.avg.load15": {EN_US: "Load Average 15min", ZH_CN: "平均负载15min"},
    "bmp.tcp.connect.total": {EN_US: "Total TCP Connections", ZH_CN: "TCP总连接数"},
    "bmp.tcp.connect.established": {
        EN_US: "Established TCP Connections",
        ZH_CN: "TCP正常连接数",
    },
    "bmp.process.total": {EN_US: "Total Process Count", ZH_CN: "总进程数"},
}

# Display name (either language) or value -> value: list filters accept what getMessageTypes
# showed, as upstream's consoles send the display names back.
_BY_NAME = {name: value for value, names in NAMES.items() for name in names.values()}
_BY_NAME.update({value: value for value in NAMES})


def value_of(type_or_name: str) -> str:
    """The stored value a filter means; an unknown text is taken as a value (and matches none)."""
    return _BY_NAME.get(type_or_name, type_or_name)


# The result of the task an operation message reports.
RESULT_SUCCESS = "succ"
RESULT_FAIL = "fail"

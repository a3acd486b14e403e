"""What the operator portal's Excel exports hold: upstream bmp-operation-api's columns, over
openapi's fields (``bmp_common.bff.excel`` does the rest).

Each list route exports once its ``OperationApi`` names one of these, one line::

    class DevicesApi(OperationApi):
        operations = {"get": "describeDevices"}
        export = exports.DEVICES

Upstream exports nine lists, all here (``BY_OPERATION``). Upstream's device-type export also
counted images, and its device export showed switch ports: openapi's lists have neither, so
neither column is here.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from bmp_common.bff.excel import Column, Export, joined, minutes, text, unix_time
from bmp_common.i18n import ZH_CN


def _join(*fields: str, sep: str = " ") -> Callable[[dict, str], str]:
    def show(item: dict, _language: str) -> str:
        return sep.join(str(item.get(name) or "") for name in fields if item.get(name)).strip()

    return show


def _partitions(image: dict, _language: str) -> str:
    """upstream's "systemPartition": JSON text; shown as "/ xfs 51200MB, swap swap 4096MB"."""
    try:
        partitions = json.loads(image.get("systemPartition") or "[]")
    except ValueError:
        return image.get("systemPartition") or ""
    return ", ".join(
        f"{p.get('point', '')} {p.get('format', '')} {p.get('size', '')}MB" for p in partitions
    )


def _count(field: str) -> Callable[[dict, str], str]:
    def show(item: dict, _language: str) -> str:
        return str(item.get(field) or 0)

    return show


def _locked(device: dict, language: str) -> str:
    state = device.get("locked") or ""
    names = {"locked": ("已锁定", "Locked"), "unlocked": ("未锁定", "Unlocked")}.get(state)
    if names is None:
        return state
    return names[0] if language == ZH_CN else names[1]


DEVICES = Export(
    "device_list",
    "devices",
    (
        Column("SN", "SN", "sn"),
        Column("机型名称", "Type Name", "deviceTypeName"),
        Column("机型类型", "Instance Type", "deviceSeriesName"),
        Column("管理状态", "Management Status", "manageStatusName"),
        Column("机房名称", "Name", "idcName"),
        Column("机柜编码", "Cabinet ID", "cabinet"),
        Column("所在U位", "Unit Location", "uPosition"),
        Column("品牌", "Brand", "brand"),
        Column("型号", "Model", "model"),
        Column("体系架构", "Architecture", "architecture"),
        Column("镜像", "Image", "imageName"),
        Column("实例名称", "Instance Name", "instanceName"),
        Column("实例ID", "Instance ID", "instanceId"),
        Column("实例状态", "Instance Status", "instanceStatusName"),
        Column("实例锁定状态", "Locked Status", _locked),
        Column("实例属主", "Instance Owner", "userName"),
        Column("CPU", "CPU", "cpuInfo"),
        Column("内存", "Memory", "memInfo"),
        Column("系统盘", "System Volume", "svInfo"),
        Column("数据盘", "Data Volume", "dvInfo"),
        Column("GPU", "GPU", "gpuInfo"),
        Column("网络设置", "NIC settings", "nicInfo"),
        Column("带外IP", "OOB IP", "iloIp"),
        Column("内网IPv4(eth0)", "Private IPv4(eth0)", "privateIpv4"),
        Column("内网IPv4(eth1)", "Private IPv4(eth1)", "privateEth1Ipv4"),
        Column("内网IPv6(eth0)", "Private IPv6(eth0)", "privateIpv6"),
        Column("内网IPv6(eth1)", "Private IPv6(eth1)", "privateEth1Ipv6"),
        Column("创建时间", "Created Time", "createdTime"),
        Column("备注", "Remark", "description"),
    ),
)

DEVICE_TYPES = Export(
    "device_type_list",
    "deviceTypes",
    (
        Column("机型名称", "Type Name", "name"),
        Column("机型类型", "Instance Type", "deviceSeriesName"),
        Column("机房名称", "Name", "idcName"),
        Column("机房英文名称", "English Name", "idcNameEn"),
        Column("体系架构", "Architecture", "architecture"),
        Column("引导模式", "BootMode", "boot_mode"),
        Column("机型规格", "Instance Spec (IS)", "deviceType"),
        Column("设备", "Devices", _count("deviceCount")),
        Column("CPU", "CPU", "cpuInfo"),
        Column("内存", "Memory", "memInfo"),
        Column("系统盘", "System Volume", "svInfo"),
        Column("数据盘", "Data Volume", "dvInfo"),
        Column("网卡", "NIC", "nicInfo"),
        Column("网络设置", "NIC settings", "interfaceMode"),
        Column("GPU", "GPU", "gpuInfo"),
        Column("描述", "Description", "description"),
    ),
)

IDCS = Export(
    "idc_list",
    "idcs",
    (
        Column("机房名称", "Name", "name"),
        Column("机房英文名称", "English name", "nameEn"),
        Column("机房等级", "Level", "level"),
        Column("机房地址", "Address", "address"),
        Column("创建时间", "Created Time", "createdTime"),
        Column("创建人", "Creator", "createdBy"),
        Column("更新时间", "Update time", "updatedTime"),
        Column("更新人", "Updater", "updatedBy"),
    ),
)

IMAGES = Export(
    "image_list",
    "images",
    (
        Column("镜像名称", "Image Name", "imageName"),
        Column("镜像ID", "Image ID", "imageId"),
        Column("镜像类型", "Image Type", "sourceName"),
        Column("体系架构", "Architecture", "architecture"),
        Column("操作系统平台", "OS Platform", "osType"),
        Column("操作系统版本", "OS Version", "osVersion"),
        Column("镜像格式", "Image Format", "format"),
        Column("引导模式", "Boot Mode", "bootMode"),
        Column("系统盘分区", "System Volume Partition", _partitions),
        Column("镜像描述", "Image Desp", "description"),
        Column("已关联机型数", "Associated ITs", _count("deviceTypeNum")),
        Column("创建时间", "Created Time", "createdTime"),
    ),
)

USERS = Export(
    "user_list",
    "users",
    (
        Column("用户名", "User Name", "userName"),
        Column("用户ID", "User ID", "userId"),
        Column("角色", "Role", "roleName"),
        Column("手机", "Mobile Phone", _join("phonePrefix", "phoneNumber")),
        Column("邮箱", "Email", "email"),
        Column("描述", "Description", "description"),
        Column("创建时间", "Create Time", "createdTime"),
    ),
)

MESSAGES = Export(
    "message_list",
    "messages",
    (
        Column("消息内容", "message content", "detail"),
        Column("接收时间", "time", unix_time("finish_time")),
        Column("消息类型", "message type", "message_type_name"),
        Column("消息子类型", "message subtype", "message_sub_type_name"),
    ),
)

AUDIT_LOGS = Export(
    "auditlogs_list",
    "auditLogs",
    (
        Column("LogID", "LogID", "logid"),
        Column("操作名称", "Operation Name", "operationName"),
        Column("操作人", "Operator", "userName"),
        Column("操作时间", "Operation Time", unix_time("operateTime")),
        Column(
            "操作反馈",
            "Operation Feedback",
            text({"success": ("成功", "Success"), "fail": ("失败", "Failed")}, "result"),
        ),
        Column("错误码", "Fault Info", "failReason"),
    ),
)


MONITOR_RULES = Export(
    "rule_list",
    "rules",
    (
        Column("用户名", "User Name", "userName"),
        Column("规则名称", "Rule Name", "ruleName"),
        Column("规则ID", "Rule ID", "ruleId"),
        Column("资源类型", "Resource Type", "resourceName"),
        Column("实例关联数量", "Instance associated number", "instanceCount"),
        Column("触发条件", "Triggering conditions", joined("triggerDescription")),
        Column("状态", "Status", "statusName"),
    ),
)

# Alerts are listed under ``instances``, as upstream. Times in UTC.
MONITOR_ALERTS = Export(
    "alert_list",
    "instances",
    (
        Column("用户名", "User Name", "userName"),
        Column("报警时间", "Alarm time", unix_time("alertTime")),
        Column("资源类型", "Resource Type", "resourceName"),
        Column("报警资源ID", "Alarm Resources ID", "resourceId"),
        Column("触发条件", "Trigger Conditions", "triggerDescription"),
        Column("报警值", "Alarm Value", "alertValue"),
        Column("报警级别", "Alarm Level", "alertLevelDescription"),
        Column("持续时间", "Duration", minutes("alertPeriod")),
        Column("通知对象", "Notification Object", "userName"),
    ),
)

# operationId of each list -> its export, for the routes that relay them.
BY_OPERATION = {
    "describeDevices": DEVICES,
    "describeDeviceTypes": DEVICE_TYPES,
    "describeIdcs": IDCS,
    "describeImages": IMAGES,
    "describeUsers": USERS,
    "getMessageList": MESSAGES,
    "describeAuditLogs": AUDIT_LOGS,
    "describeRules": MONITOR_RULES,
    "describeAlerts": MONITOR_ALERTS,
}

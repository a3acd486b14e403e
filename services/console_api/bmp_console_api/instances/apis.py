"""Instances: list, detail, create, and every action. As upstream, the console sends an
instance's id in the JSON body (``instanceId``), not in the path, except for GET and DELETE."""

from __future__ import annotations

from bmp_common.bff.excel import Column, Export
from bmp_common.bff.views import OperationApi
from bmp_common.i18n import ZH_CN

BY_BODY = {"instance_id": "instanceId"}


def _name_and_id(instance: dict, _language: str) -> str:
    return f"{instance.get('instanceName', '')}/{instance.get('instanceId', '')}"


def _configuration(instance: dict, language: str) -> str:
    cpu = (
        f"{instance.get('cpuManufacturer', '')} {instance.get('cpuModel', '')} "
        f"{instance.get('cpuAmount', 0)}*{instance.get('cpuCores', 0)}"
    ).strip()
    memory = (
        f"{instance.get('memAmount', 0)}*{instance.get('memSize', 0)}GB "
        f"{instance.get('memType', '')}"
    ).strip()
    if language == ZH_CN:
        return f"CPU:{cpu}, 内存:{memory}"
    return f"CPU:{cpu}, Memory:{memory}"


# Upstream's instance export (bmp-console-api ExportInstance).
INSTANCE_COLUMNS = (
    Column("实例名称/ID", "Instance Name/ID", _name_and_id),
    Column("状态", "Status", "statusName"),
    Column("机型", "Instance Type", "deviceTypeName"),
    Column("镜像", "Image", "imageName"),
    Column("带外IP", "Out-of-band IP", "iloIp"),
    Column("内网IPv4(eth0)", "Private IPv4(eth0)", "privateIpv4"),
    Column("内网IPv4(eth1)", "Private IPv4(eth1)", "privateEth1Ipv4"),
    Column("内网IPV6(eth0)", "Private IPv6(eth0)", "privateIpv6"),
    Column("内网IPV6(eth1)", "Private IPv6(eth1)", "privateEth1Ipv6"),
    Column("配置", "Configuration", _configuration),
    Column("创建时间", "Created Time", "createdTime"),
)


class InstancesApi(OperationApi):
    """GET /instance: the user's instances (filters as openapi's; ?exportType=xlsx: all of
    them as an .xlsx); PUT /instance: create."""

    operations = {"get": "describeProjectInstances", "put": "createProjectInstance"}
    export = Export("instance_list", "instances", INSTANCE_COLUMNS)


class InstanceApi(OperationApi):
    operations = {"get": "describeProjectInstance", "delete": "deleteProjectInstance"}
    url_to_path = {"instance_id": "instance_id"}


def _action(operation_id: str) -> type[OperationApi]:
    """POST /instance/<action> {instanceId, …}: one instance's action."""
    return type(
        f"Instance_{operation_id}_Api",
        (OperationApi,),
        {
            "operations": {"post": operation_id},
            "body_to_path": BY_BODY,
            "__doc__": f"POST {{instanceId, …}} → openapi {operation_id}.",
        },
    )


def _batch(method: str, operation_id: str) -> type[OperationApi]:
    """/instance/<batch action> {instanceIds, …}: several instances at once."""
    return type(
        f"Instances_{operation_id}_Api",
        (OperationApi,),
        {"operations": {method: operation_id}, "__doc__": f"→ openapi {operation_id}."},
    )


ACTIONS = {
    "startInstance": _action("startProjectInstance"),
    "stopInstance": _action("stopProjectInstance"),
    "restartInstance": _action("restartProjectInstance"),
    "modifyInstance": _action("modifyProjectInstance"),
    "resetPasswd": _action("resetProjectInstancePasswd"),
    "lockInstance": _action("lockProjectInstance"),
    "unlockInstance": _action("unLockProjectInstance"),
    "reinstallInstance": _action("reinstallProjectInstance"),
    "batchResetPasswd": _batch("post", "resetProjectInstancesPasswd"),
    "startInstances": _batch("post", "startInstances"),
    "stopInstances": _batch("post", "stopInstances"),
    "restartInstances": _batch("post", "restartInstances"),
    "modifyInstances": _batch("post", "modifyInstances"),
    "deleteInstances": _batch("delete", "deleteInstances"),
}


class SharedInstancesApi(OperationApi):
    """GET /instance/forshare/list?projectId&sharerName: the instances of a shared project."""

    operations = {"get": "describeInstancesByProjectIdAndOwnerNameAndSharerName"}

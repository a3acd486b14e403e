"""Instances: list, detail, create, and every action. As upstream, the console sends an
instance's id in the JSON body (``instanceId``), not in the path, except for GET and DELETE."""

from __future__ import annotations

from bmp_common.bff.views import OperationApi

BY_BODY = {"instance_id": "instanceId"}


class InstancesApi(OperationApi):
    """GET /instance: the user's instances (filters as openapi's); PUT /instance: create."""

    operations = {"get": "describeProjectInstances", "put": "createProjectInstance"}


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

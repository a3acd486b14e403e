"""The instances on sold devices, as an operator acts on them. Upstream's portal names the
instance in the path for the one-instance actions (``/instances/start/:id``), in the body for
password reset and reinstall (``instanceId``), and lists ids for the batch ones."""

from __future__ import annotations

from bmp_operation_api.relay import relay

IN_PATH = {"url_to_path": {"instance_id": "instance_id"}}
IN_BODY = {"body_to_path": {"instance_id": "instanceId"}}

InstanceApi = relay(
    {"get": "describeProjectInstance", "delete": "deleteProjectInstance"}, **IN_PATH
)
# POST /instances/<action>/:id
PATH_ACTIONS = {
    "start": relay({"post": "startProjectInstance"}, **IN_PATH),
    "stop": relay({"post": "stopProjectInstance"}, **IN_PATH),
    "restart": relay({"post": "restartProjectInstance"}, **IN_PATH),
    "resetStatus": relay({"post": "resetInstanceStatus"}, **IN_PATH),
    "lock": relay({"post": "lockProjectInstance"}, **IN_PATH),
    "unlock": relay({"post": "unLockProjectInstance"}, **IN_PATH),
}
# POST /instances/<action> {instanceId, ...}, and the batch actions.
BODY_ACTIONS = {
    "resetPasswd": relay({"post": "resetProjectInstancePasswd"}, **IN_BODY),
    "reinstallInstance": relay({"post": "reinstallProjectInstance"}, **IN_BODY),
    "startInstances": relay({"post": "startInstances"}),
    "stopInstances": relay({"post": "stopInstances"}),
    "restartInstances": relay({"post": "restartInstances"}),
    "modifyInstances": relay({"post": "modifyInstances"}),
    "deleteInstances": relay({"delete": "deleteInstances"}),
    "batchResetPasswd": relay({"post": "resetProjectInstancesPasswd"}),
}

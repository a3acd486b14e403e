from bmp_openapi.core.routing import api
from bmp_openapi.instances.apis import batch, sharing
from bmp_openapi.instances.apis import instances as apis

BATCH = "project/instances/batch/instances:"
ROUTES = [
    api("project/instances", apis.InstanceListCreateApi, "instances"),
    api(
        "project/instances/share/describeInstances",
        sharing.InstancesForShareApi,
        "instances-for-share",
    ),
    # upstream puts it under the projects' path; it moves instances, so it lives here
    api("user/projects/move/instances", sharing.MoveInstancesApi, "instances-move"),
    api(f"{BATCH}deleteInstances", batch.DeleteInstancesApi, "instances-delete"),
    api(f"{BATCH}modifyInstances", batch.ModifyInstancesApi, "instances-modify"),
    api(f"{BATCH}resetPasswd", batch.ResetPasswordsApi, "instances-reset-passwd"),
    api(f"{BATCH}restartInstances", batch.RestartInstancesApi, "instances-restart"),
    api(f"{BATCH}startInstances", batch.StartInstancesApi, "instances-start"),
    api(f"{BATCH}stopInstances", batch.StopInstancesApi, "instances-stop"),
    api("project/instances/<str:instance_id>", apis.InstanceDetailApi, "instance"),
    api("project/instances/<str:instance_id>/lock", apis.InstanceLockApi, "instance-lock"),
    api("project/instances/<str:instance_id>/unlock", apis.InstanceUnlockApi, "instance-unlock"),
    api("project/instances/<str:instance_id>/start", apis.InstanceStartApi, "instance-start"),
    api("project/instances/<str:instance_id>/stop", apis.InstanceStopApi, "instance-stop"),
    api("project/instances/<str:instance_id>/restart", apis.InstanceRestartApi, "instance-restart"),
    api(
        "project/instances/<str:instance_id>/reinstallInstance",
        apis.InstanceReinstallApi,
        "instance-reinstall",
    ),
    api(
        "project/instances/<str:instance_id>/resetStatus",
        apis.InstanceResetStatusApi,
        "instance-reset-status",
    ),
    api(
        "project/instances/<str:instance_id>/resetpasswd",
        apis.InstanceResetPasswordApi,
        "instance-resetpasswd",
    ),
]

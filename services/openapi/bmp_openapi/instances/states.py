"""The instance lifecycle: upstream's statuses and the one table of what may happen in each.

API actions move an instance into a transitional status and hand a job to the scheduler; the
job's end moves it on from what the platform observed (the BMC's power state at the end of the
chain), never from a timer. A pair the table does not list is refused with 409, naming the
status and the actions allowed now.
"""

from __future__ import annotations

from bmp_common.messages import jobs

CREATING = "creating"
STARTING = "starting"
RUNNING = "running"
STOPPING = "stopping"
STOPPED = "stopped"
RESTARTING = "restarting"
RESETTING_PASSWORD = "resetting_password"  # noqa: S105 (a status, not a secret)
REINSTALLING = "reinstalling"
DESTROYING = "destroying"
DESTROYED = "destroyed"
# Failure states: upstream stores them as these literal English strings.
CREATION_FAILED = "Creation failed"
STARTUP_FAILED = "Startup failed"
SHUTDOWN_FAILED = "Shutdown failed"
REBOOT_FAILED = "Reboot failed"
DELETE_FAILED = "Delete failed"
REINSTALL_FAILED = "Reinstall failed"
RESETPASSWD_FAILED = "Resetpasswd failed"

STATUSES = (
    CREATING,
    STARTING,
    RUNNING,
    STOPPING,
    STOPPED,
    RESTARTING,
    RESETTING_PASSWORD,
    REINSTALLING,
    DESTROYING,
    DESTROYED,
    CREATION_FAILED,
    STARTUP_FAILED,
    SHUTDOWN_FAILED,
    REBOOT_FAILED,
    DELETE_FAILED,
    REINSTALL_FAILED,
    RESETPASSWD_FAILED,
)

# API actions (upstream operation in the comment).
START = "start"  # startProjectInstance
STOP = "stop"  # stopProjectInstance
RESTART = "restart"  # restartProjectInstance
REINSTALL = "reinstall"  # reinstallProjectInstance
RESET_PASSWORD = "reset_password"  # noqa: S105 (resetProjectInstancePasswd)
DELETE = "delete"  # deleteProjectInstance
LOCK = "lock"
UNLOCK = "unlock"
MODIFY = "modify"
RESET_STATUS = "reset_status"  # resetInstanceStatus
API_ACTIONS = (
    START,
    STOP,
    RESTART,
    REINSTALL,
    RESET_PASSWORD,
    DELETE,
    LOCK,
    UNLOCK,
    MODIFY,
    RESET_STATUS,
)

# What the platform does to an instance (who fires it in the comment).
JOB_SUCCEEDED = "job_succeeded"  # services/job_events.py: ended as expected
JOB_FAILED = "job_failed"  # services/job_events.py: failed, cancelled, power wrong
JOB_RETRIED = "job_retried"  # receivers.py, on a job retry: back to the job's status
REMOVE_DEVICE = "remove_device"  # devices' removeDevice: the instance is forgotten with it

# The status a new instance starts in (services/create.py); every later one comes from TRANSITIONS.
INITIAL = CREATING

LIVE = tuple(status for status in STATUSES if status != DESTROYED)
# Lock and unlock are refused while the instance is being made or unmade (upstream).
LOCKABLE = tuple(
    status
    for status in LIVE
    if status not in (CREATING, CREATION_FAILED, DESTROYING, DELETE_FAILED)
)
# removeDevice forgets the instance on the device: only one at rest (upstream's rule).
REMOVABLE = (RUNNING, STOPPED, REINSTALL_FAILED, RESETPASSWD_FAILED)
# resetInstanceStatus: where an operator may put a failed instance back (upstream's mapping).
RESET_TO = {
    STARTUP_FAILED: STOPPED,
    SHUTDOWN_FAILED: RUNNING,
    REBOOT_FAILED: RUNNING,
    DELETE_FAILED: STOPPED,
}

# The jobs (scheduler tasks) and what their end means. Per task: the status the instance is in
# while it runs, the status it reaches when the observed power state is as expected, that power
# state, and the failure state.
JOB_OUTCOMES: dict[str, tuple[str, str, str, str]] = {
    jobs.CREATE_INSTANCES: (CREATING, RUNNING, "on", CREATION_FAILED),
    jobs.START_INSTANCES: (STARTING, RUNNING, "on", STARTUP_FAILED),
    jobs.STOP_INSTANCES: (STOPPING, STOPPED, "off", SHUTDOWN_FAILED),
    jobs.RESTART_INSTANCES: (RESTARTING, RUNNING, "on", REBOOT_FAILED),
    jobs.REINSTALL_INSTANCE: (REINSTALLING, RUNNING, "on", REINSTALL_FAILED),
    jobs.RESET_PASSWORD: (RESETTING_PASSWORD, STOPPED, "off", RESETPASSWD_FAILED),
    jobs.DELETE_INSTANCE: (DESTROYING, DESTROYED, "off", DELETE_FAILED),
}
JOB_FAILURES = tuple(outcome[3] for outcome in JOB_OUTCOMES.values())
JOB_RUNNING = frozenset(outcome[0] for outcome in JOB_OUTCOMES.values())  # creating, …

# (status, action or event) -> the status after it. A pair that is not here is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (STOPPED, START): STARTING,
    (RUNNING, STOP): STOPPING,
    (RUNNING, RESTART): RESTARTING,
    (STOPPED, REINSTALL): REINSTALLING,
    (REINSTALL_FAILED, REINSTALL): REINSTALLING,
    (STOPPED, RESET_PASSWORD): RESETTING_PASSWORD,
    (RESETPASSWD_FAILED, RESET_PASSWORD): RESETTING_PASSWORD,
    (STOPPED, DELETE): DESTROYING,
    # Nothing was installed: the device is released at once, no chain runs.
    (CREATION_FAILED, DELETE): DESTROYED,
    **{(status, LOCK): status for status in LOCKABLE},
    **{(status, UNLOCK): status for status in LOCKABLE},
    **{(status, MODIFY): status for status in LIVE},
    **{(status, RESET_STATUS): after for status, after in RESET_TO.items()},
    **{(status, REMOVE_DEVICE): DESTROYED for status in REMOVABLE},
    # A job's end: the status it reached or its failure state; a retry puts the failure back.
    **{(running, JOB_SUCCEEDED): done for running, done, _, _ in JOB_OUTCOMES.values()},
    **{(running, JOB_FAILED): failed for running, _, _, failed in JOB_OUTCOMES.values()},
    **{(failed, JOB_RETRIED): running for running, _, _, failed in JOB_OUTCOMES.values()},
}

# Actions a locked instance refuses (upstream: delete; we add the other destructive ones).
REFUSED_WHEN_LOCKED = (DELETE, REINSTALL, RESET_PASSWORD, STOP, RESTART)


# The job each API action hands to the scheduler.
ACTION_TASKS = {
    START: jobs.START_INSTANCES,
    STOP: jobs.STOP_INSTANCES,
    RESTART: jobs.RESTART_INSTANCES,
    REINSTALL: jobs.REINSTALL_INSTANCE,
    RESET_PASSWORD: jobs.RESET_PASSWORD,
    DELETE: jobs.DELETE_INSTANCE,
}


def next_status(status: str, action: str) -> str | None:
    return TRANSITIONS.get((status, action))


def allowed_actions(status: str, *, locked: bool = False) -> list[str]:
    return [
        action
        for action in API_ACTIONS
        if (status, action) in TRANSITIONS and not (locked and action in REFUSED_WHEN_LOCKED)
    ]

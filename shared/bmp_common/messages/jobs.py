"""Job messages between openapi and the scheduler.

openapi hands a job over with ``JobSubmit`` (task ``bmp.scheduler.submit_job``): every fact the
chain needs travels in it, so the scheduler never reads openapi's tables. Secrets in it (the
BMC password, the root password) are Fernet tokens from ``bmp_common.crypto``, never clear text.

The scheduler reports back with ``JobEvent`` (task ``bmp.openapi.job_event``): progress of a
step, and the end of the job with what was observed (``observed["power"]``) and collected
(``data``). openapi applies events idempotently: it keys them by ``(job_id, sequence)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from bmp_common.messages import Message

# -- names -----------------------------------------------------------------------------------

# Celery tasks: openapi asks the scheduler (queue ``scheduler``)...
SUBMIT_JOB_TASK = "bmp.scheduler.submit_job"
# Several JobSubmit wires in one message (``messages``): what one write submits at once (a
# create of many instances); the scheduler takes them one after another.
SUBMIT_JOBS_TASK = "bmp.scheduler.submit_jobs"
CANCEL_JOB_TASK = "bmp.scheduler.cancel_job"
RETRY_JOB_TASK = "bmp.scheduler.retry_job"
RESEND_JOB_EVENTS_TASK = "bmp.scheduler.resend_job_events"
# ...and the scheduler answers openapi (queue ``openapi``).
JOB_EVENT_TASK = "bmp.openapi.job_event"

# Jobs (upstream's API event names).
CREATE_INSTANCES = "CreateInstances"
REINSTALL_INSTANCE = "ReinstallInstance"
DELETE_INSTANCE = "DeleteInstance"
RESET_PASSWORD = "InstanceResetPassword"  # noqa: S105 (a task name)
START_INSTANCES = "StartInstances"
STOP_INSTANCES = "StopInstances"
RESTART_INSTANCES = "RestartInstances"
COLLECT_HARDWARE_INFO = "CollectHardwareInfo"
PUTAWAY_DEVICE = "PutawayDevice"
TASKS = (
    CREATE_INSTANCES,
    REINSTALL_INSTANCE,
    DELETE_INSTANCE,
    RESET_PASSWORD,
    START_INSTANCES,
    STOP_INSTANCES,
    RESTART_INSTANCES,
    COLLECT_HARDWARE_INFO,
    PUTAWAY_DEVICE,
)

# -- params ----------------------------------------------------------------------------------

# The RAID level that builds no array (``spec.raid``, a data volume's ``raid_id``/``raid_name``):
# openapi seeds it with upstream's id, the scheduler builds no MakeRaid step for it, the lab
# enrols its disks with it. Upstream's data said "NO RAID" where its scheduler compared
# "NORAID": both mean no RAID, as does no name at all.
NO_RAID_ID = "r-qytwf9r5h0yn9x4evjkyr0n1cwyb"
NO_RAID_NAME = "NO RAID"
NO_RAID_NAMES = frozenset({NO_RAID_NAME, "NORAID", ""})

# -- results ---------------------------------------------------------------------------------

# JobEvent kinds.
EVENT_STEP = "step"  # a step started or progressed (``action``, ``progress``)
EVENT_SUCCEEDED = "succeeded"
EVENT_FAILED = "failed"
EVENT_CANCELLED = "cancelled"
EVENT_KINDS = (EVENT_STEP, EVENT_SUCCEEDED, EVENT_FAILED, EVENT_CANCELLED)


@dataclasses.dataclass(frozen=True, kw_only=True)
class JobSubmit(Message):
    """``node``: sn, device_id, mac1, private_ipv4, mask, gateway, architecture and ``bmc``
    ({address, port, username, password_encrypted, interface}). ``spec``: the task's own
    parameters (image, partitions, raid, hostname, password_encrypted, ssh_keys, boot_mode...).
    """

    SCHEMA: ClassVar[str] = "bmp.job.submit"
    VERSION: ClassVar[int] = 1

    job_id: str
    task: str
    idc_id: str
    request_id: str = ""
    instance_id: str = ""
    node: dict[str, Any] = dataclasses.field(default_factory=dict)
    spec: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}")


@dataclasses.dataclass(frozen=True, kw_only=True)
class JobEvent(Message):
    SCHEMA: ClassVar[str] = "bmp.job.event"
    VERSION: ClassVar[int] = 1

    job_id: str
    sequence: int  # per job, from 1: openapi ignores an event it has already applied
    task: str
    kind: str
    instance_id: str = ""
    device_id: str = ""
    sn: str = ""
    action: str = ""  # the step concerned (the failed one for EVENT_FAILED)
    reason: str = ""  # upstream's reason code: ``PowerOnError``, ``USERNAME_OR_PASSWORD_ERROR``...
    message: str = ""  # what went wrong, for people
    progress: dict[str, Any] = dataclasses.field(default_factory=dict)
    observed: dict[str, Any] = dataclasses.field(default_factory=dict)  # {"power": "on"|"off"}
    data: dict[str, Any] = dataclasses.field(default_factory=dict)  # collected inventory

    def __post_init__(self):
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown job event kind {self.kind!r}")

"""What the end of an instance job means for the instance: the status the platform observed.

The chain ends by reading the power state from the BMC; the instance becomes ``running`` or
``stopped`` only if that is what was seen. A failed job puts the instance in its task's
failure state with the reason, and the owner gets an in-site message either way.
"""

from __future__ import annotations

import logging

from bmp_common.messages.jobs import EVENT_CANCELLED, EVENT_STEP, EVENT_SUCCEEDED, JobEvent
from bmp_openapi.accounts.models import User
from bmp_openapi.audit.services import audit_record
from bmp_openapi.inbox.services import message_send
from bmp_openapi.instances import states
from bmp_openapi.instances.models import Instance
from bmp_openapi.instances.services.lifecycle import instance_transition
from bmp_openapi.instances.services.release import instance_release
from bmp_openapi.projects.models import Project

log = logging.getLogger(__name__)

SCHEDULER = "scheduler"  # who the audit columns name for changes jobs make

# What an event, its transition and the save's receivers (live events, monitoring) read of the
# instance: a deferred column would cost a query of its own. (``progress`` is written, not read.)
EVENT_COLUMNS = (
    "instance_id",
    "instance_name",
    "status",
    "reason",
    "locked",
    "job_id",
    "delete_marker",
    "project",
    "user",
    "device",
)


def _locked(instance_id: str) -> Instance | None:
    """The live instance's row (the columns an event reads), locked; None if there is none."""
    rows = Instance.objects.select_for_update().only(*EVENT_COLUMNS).filter(instance_id=instance_id)
    return next(iter(rows.order_by()[:1]), None)  # (a unique key: no ORDER BY to compile)


def on_instance_job_event(job, event: JobEvent) -> None:
    instance = _locked(job.instance_id)
    if instance is None or instance.job_id != job.job_id:
        log.info("job %s: instance %s has moved on; event ignored", job.job_id, job.instance_id)
        return
    if event.kind == EVENT_STEP:
        instance.progress = {"action": event.action, **event.progress}
        instance.save(update_fields=["progress", "updated_at"])
        return
    running, _done, expected_power, _failed = states.JOB_OUTCOMES[job.task]
    if instance.status != running:
        log.warning(
            "job %s ended but instance %s is %s", job.job_id, job.instance_id, instance.status
        )
        return
    power = event.observed.get("power", "")
    if event.kind == EVENT_SUCCEEDED and power == expected_power:
        outcome, reason, text = states.JOB_SUCCEEDED, "", ""
    elif event.kind == EVENT_SUCCEEDED:
        outcome, reason = states.JOB_FAILED, "PowerStatusError"
        text = f"the BMC reports power {power or 'unknown'}, {expected_power} was expected"
    elif event.kind == EVENT_CANCELLED:
        outcome, reason = states.JOB_FAILED, "Cancelled"
        text = event.message or "cancelled by an operator"
    else:
        outcome, reason, text = states.JOB_FAILED, event.reason or "ERROR", event.message
    # The owner, for the live event, the audit line and the message (its ids, not the row).
    instance.user = User.all_objects.only("user_id", "user_name").get(pk=instance.user_id)
    changes = {"reason": reason, "reason_message": text[:512], "progress": {}}
    if power:
        changes["power"] = power
    if states.next_status(instance.status, outcome) == states.DESTROYED:
        instance_release(instance, event=outcome, actor_name=SCHEDULER)
    else:
        instance_transition(
            instance, outcome, actor_name=SCHEDULER, password_encrypted="", **changes
        )
    # The job's end in the audit trail, as upstream marks it: who asked, and how it ended.
    audit_record(
        user=instance.user,
        operation=job.task,
        resource_id=instance.instance_id,
        error=f"{reason}: {text}" if reason else "",
        fail_code=reason,
        instance_id=instance.instance_id,
        device_id=job.device_id,
        sn=job.sn,
    )
    message_send(
        user=instance.user,
        message_type="operation",
        message_sub_type=job.task,
        # The reason code, not the text: the text is the driver's and may name the BMC.
        content=f"{job.task} {instance.instance_name}: {reason or 'succeeded'}",
        resource_type="instance",
        result="succ" if not reason else "fail",
        instance_id=instance.instance_id,
        instance_name=instance.instance_name,
        sn=job.sn,
        device_id=job.device_id,
        idc_id=job.idc_id,
        project_id=_project_id(instance),
    )


def _project_id(instance: Instance) -> str:
    """The public id of the instance's project (deleted or not, as ``instance.project``)."""
    projects = Project.all_objects.filter(pk=instance.project_id)
    return projects.values_list("project_id", flat=True).get()

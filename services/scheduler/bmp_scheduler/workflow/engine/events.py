"""JobEvents for openapi: numbered per job, sent through the outbox."""

from __future__ import annotations

from bmp_common.messages.jobs import JobEvent
from bmp_scheduler.workflow.engine import outbox
from bmp_scheduler.workflow.models import Job

JOB_EVENT_TASK = "bmp.openapi.job_event"


def emit(job: Job, kind: str, **fields) -> JobEvent:
    """Number and queue one event of ``job`` (locked by the caller)."""
    job.event_sequence += 1
    job.save(update_fields=["event_sequence", "updated_at"])
    event = JobEvent(
        job_id=job.job_id,
        sequence=job.event_sequence,
        task=job.task,
        kind=kind,
        instance_id=job.instance_id,
        device_id=job.device_id,
        sn=job.sn,
        **fields,
    )
    outbox.enqueue(JOB_EVENT_TASK, {"message": event.to_wire()})
    return event

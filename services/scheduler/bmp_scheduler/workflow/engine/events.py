"""JobEvents for openapi: numbered per job, sent through the outbox.

Progress (a step begins, an agent reports bytes written) goes out at most once per
``BMP_SCHEDULER_PROGRESS_INTERVAL`` per job; outcomes always go. A real install's steps take
minutes, so each one still shows; a lab's instant steps do not flood openapi with writes.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from bmp_common.messages.jobs import EVENT_STEP, JobEvent
from bmp_scheduler.workflow.engine import outbox
from bmp_scheduler.workflow.models import Job, Step

JOB_EVENT_TASK = "bmp.openapi.job_event"


def emit(job: Job, kind: str, **fields) -> JobEvent:
    """Number and queue one event of ``job`` (locked by the caller)."""
    job.event_sequence += 1
    job.save(update_fields=["event_sequence", "progress_sent_at", "updated_at"])
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


def emit_progress(job: Job, step: Step, **progress) -> bool:
    """A step event of ``job`` (locked), unless one went out less than the interval ago.

    ``progress`` adds to (or overrides) the step's place in the chain: attempt, bytes, total.
    """
    now = timezone.now()
    sent = job.progress_sent_at
    if sent is not None and (now - sent).total_seconds() < settings.BMP_SCHEDULER_PROGRESS_INTERVAL:
        return False
    job.progress_sent_at = now
    place = {"step": step.index + 1, "steps": job.step_count or job.steps.count()}
    emit(job, EVENT_STEP, action=step.action, progress={**place, **progress})
    return True

"""What openapi learns of a job: numbered JobEvents through the outbox, and live progress.

Events: the job's first step (openapi then knows the scheduler has it) and its outcome; the
last one is kept on the job and sent again when openapi's reconciliation asks for it (an event
openapi never applied: ``resend_job_events``). The
progress of every step (which one, attempt, bytes written) goes to the shared Redis cache
(bmp_common.progress) once the transaction commits: it changes every few seconds and needs no
database write on either side.
"""

from __future__ import annotations

from django.db import transaction

from bmp_common.db import save_fields
from bmp_common.messages.jobs import EVENT_STEP, JOB_EVENT_TASK, JobEvent
from bmp_scheduler.workflow.engine import after_commit, outbox
from bmp_scheduler.workflow.models import Job, Step


def emit(job: Job, kind: str, **fields) -> JobEvent:
    """Number and queue one event of ``job`` (locked by the caller)."""
    job.event_sequence += 1
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
    job.last_event = event.to_wire()
    save_fields(job, ["event_sequence", "last_event", "updated_at"])
    outbox.enqueue(JOB_EVENT_TASK, {"message": job.last_event})
    return event


def resend_job_events(job_ids: list[str]) -> int:
    """Queue again the last event of each named job that has one; returns how many.

    openapi asks for the jobs it has heard nothing of for a while: each answer is an event it
    either applies now (it had been lost) or ignores (it had been applied).
    """
    jobs = Job.objects.filter(job_id__in=job_ids, event_sequence__gt=0)
    with transaction.atomic():
        events = list(jobs.values_list("last_event", flat=True))
        for last_event in events:
            outbox.enqueue(JOB_EVENT_TASK, {"message": last_event})
    return len(events)


def place(job: Job, step: Step) -> dict:
    """Where ``step`` stands in the chain of ``job``: {"step": n, "steps": total}."""
    return {"step": step.index + 1, "steps": job.step_count or job.steps.count()}


def emit_progress(job: Job, step: Step, **progress) -> None:
    """``step`` of ``job`` (locked) began or moved on: ``progress`` adds to (or overrides) its
    place in the chain (attempt, bytes, total)."""
    now = {**place(job, step), **progress}
    if job.event_sequence == 0:  # the first: openapi marks the job running
        emit(job, EVENT_STEP, action=step.action, progress=now)
    after_commit.show_progress(job.job_id, {"action": step.action, **now})


def forget_progress(job: Job) -> None:
    after_commit.show_progress(job.job_id, None)

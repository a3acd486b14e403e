"""Applying the scheduler's job events: once each, in order, in one transaction.

The owner of a task registers what its events mean (``HANDLERS[task]``): the instances app for
instance jobs, the devices app for collection and put-away. A handler gets the locked job and
the event, after the job's own record is updated; then every ``OBSERVERS`` entry does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from bmp_common.messages.jobs import (
    EVENT_CANCELLED,
    EVENT_FAILED,
    EVENT_STEP,
    EVENT_SUCCEEDED,
    JobEvent,
)
from bmp_openapi.jobs.models import CANCELLED, FAILED, FINAL, RUNNING, SUCCEEDED, Job
from bmp_openapi.jobs.submission import job_submission_purge

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[Job, JobEvent], None]] = {}
# Called for every applied event, whatever the task, after its handler: what any job can show
# (the devices app records whether the BMC accepted the device's credentials).
OBSERVERS: list[Callable[[Job, JobEvent], None]] = []

_STATUS_AFTER = {
    EVENT_STEP: RUNNING,
    EVENT_SUCCEEDED: SUCCEEDED,
    EVENT_FAILED: FAILED,
    EVENT_CANCELLED: CANCELLED,
}


@transaction.atomic
def job_event_apply(event: JobEvent) -> bool:
    """Applies ``event``; False when it was already applied, is stale, or names no job of ours."""
    # The submission (the whole JobSubmit) is not needed here: not read, not written back.
    job = Job.objects.select_for_update().defer("submission").filter(job_id=event.job_id).first()
    if job is None:
        log.warning("job event %s#%d: no such job", event.job_id, event.sequence)
        return False
    if job.status in FINAL or event.sequence <= job.last_sequence:
        log.info("job event %s#%d ignored (already applied or stale)", job.job_id, event.sequence)
        return False
    job.last_sequence = event.sequence
    job.retry_command = {}  # any later event: the scheduler has it (or it was moot)
    job.status = _STATUS_AFTER[event.kind]
    job.action = event.action[:64]
    job.reason = event.reason[:64]
    job.message = event.message[:512]
    if job.status in FINAL:
        job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "last_sequence",
            "status",
            "action",
            "reason",
            "message",
            "finished_at",
            "retry_command",
            "updated_at",
        ]
    )
    if job.status in FINAL:
        job_submission_purge(job=job)
    handler = HANDLERS.get(job.task)
    if handler is not None:
        handler(job, event)
    for observer in OBSERVERS:
        observer(job, event)
    return True

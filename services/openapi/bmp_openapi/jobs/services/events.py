"""Applying the scheduler's job events: once each, in order, in one transaction.

What an event means for the resource is its owner's (``core.events.job_event_applied``): the
instances app for instance jobs, the devices app for collection and put-away and, for every
job, the BMC's verdict. Receivers get the locked job and the event, after the job's own record
is updated.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from bmp_common.messages.jobs import (
    EVENT_CANCELLED,
    EVENT_FAILED,
    EVENT_STEP,
    EVENT_SUCCEEDED,
    JobEvent,
)
from bmp_openapi.core import events as core_events
from bmp_openapi.jobs.models import CANCELLED, FAILED, FINAL, RUNNING, SUCCEEDED, Job
from bmp_openapi.jobs.services.submission import job_submission_purge

log = logging.getLogger(__name__)

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
    core_events.job_event_applied.send(sender=Job, job=job, event=event)
    return True

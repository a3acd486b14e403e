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
from bmp_openapi.jobs.services.submission import job_submission_purged

log = logging.getLogger(__name__)

_STATUS_AFTER = {
    EVENT_STEP: RUNNING,
    EVENT_SUCCEEDED: SUCCEEDED,
    EVENT_FAILED: FAILED,
    EVENT_CANCELLED: CANCELLED,
}


# What applying an event and its receivers read of the job (a deferred column would cost a
# query of its own); the submission only with an end, to drop its secrets.
EVENT_COLUMNS = (
    "job_id",
    "task",
    "idc_id",
    "device_id",
    "sn",
    "instance_id",
    "status",
    "last_sequence",
)


@transaction.atomic
def job_event_apply(event: JobEvent) -> bool:
    """Applies ``event``; False when it was already applied, is stale, or names no job of ours."""
    status = _STATUS_AFTER[event.kind]
    ends = status in FINAL
    read = (*EVENT_COLUMNS, "submission") if ends else EVENT_COLUMNS
    try:
        job = Job.objects.select_for_update().only(*read).get(job_id=event.job_id)
    except Job.DoesNotExist:
        log.warning("job event %s#%d: no such job", event.job_id, event.sequence)
        return False
    if job.status in FINAL or event.sequence <= job.last_sequence:
        log.info("job event %s#%d ignored (already applied or stale)", job.job_id, event.sequence)
        return False
    job.last_sequence = event.sequence
    job.retry_command = {}  # any later event: the scheduler has it (or it was moot)
    job.status = status
    job.action = event.action[:64]
    job.reason = event.reason[:64]
    job.message = event.message[:512]
    job.updated_at = now = timezone.now()
    columns = {
        "last_sequence": job.last_sequence,
        "status": job.status,
        "action": job.action,
        "reason": job.reason,
        "message": job.message,
        "retry_command": job.retry_command,
        "updated_at": job.updated_at,
    }
    if ends:
        job.finished_at = columns["finished_at"] = now
        # Its secrets (BMC and root passwords) go: a retry runs on the scheduler's own copy.
        job.submission = columns["submission"] = job_submission_purged(job.submission)
    # One UPDATE of the row read (and locked) above: no model save (Job has no save signals).
    Job.objects.filter(pk=job.pk).update(**columns)
    core_events.job_event_applied.send(sender=Job, job=job, event=event)
    return True

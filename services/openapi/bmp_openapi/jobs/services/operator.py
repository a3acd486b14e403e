"""Operators' hands on jobs: cancel one that runs, retry one that failed (from its failed step
or from a step they name). Both are requests to the scheduler, sent through the outbox with
the decision; its events finish them."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bmp_common.errors import BmpError
from bmp_common.messages.jobs import CANCEL_JOB_TASK, RETRY_JOB_TASK
from bmp_openapi.core import events
from bmp_openapi.jobs.error_codes import (
    JOB_NOT_FAILED,
    JOB_NOT_FOUND,
    JOB_NOT_RUNNING,
    JOB_RETRY_EXPIRED,
)
from bmp_openapi.jobs.models import CANCELLED, FAILED, RUNNING, SUBMITTED, Job
from bmp_openapi.jobs.services import outbox

log = logging.getLogger(__name__)


def _locked(job_id: str) -> Job:
    job = Job.objects.select_for_update().filter(job_id=job_id).first()
    if job is None:
        raise BmpError(JOB_NOT_FOUND, job_id=job_id)
    return job


@transaction.atomic(durable=True)
def job_cancel(*, job_id: str, actor) -> Job:
    job = _locked(job_id)
    if job.status not in (SUBMITTED, RUNNING):
        raise BmpError(JOB_NOT_RUNNING, job_id=job_id, status=job.status)
    outbox.enqueue(CANCEL_JOB_TASK, {"job_id": job_id}, job_id=job_id)
    log.warning("job %s: cancel asked by %s", job_id, actor.user_id)
    return job


@transaction.atomic(durable=True)
def job_retry(*, job_id: str, from_step: int | None, actor) -> Job:
    job = _locked(job_id)
    if job.status not in (FAILED, CANCELLED):
        raise BmpError(JOB_NOT_FAILED, job_id=job_id, status=job.status)
    window = timedelta(seconds=settings.BMP_JOB_RETRY_WINDOW)
    if job.finished_at is not None and job.finished_at < timezone.now() - window:
        # The scheduler has purged the passwords the job would run with (engine/purge.py).
        raise BmpError(JOB_RETRY_EXPIRED, job_id=job_id, hours=window.total_seconds() / 3600)
    # The resource back to the job's transitional status (its owner may refuse: BmpError).
    events.job_retrying.send(sender=Job, job=job, actor_name=actor.user_name)
    job.status = RUNNING
    job.finished_at = None
    job.reason = ""
    job.message = ""
    # after_sequence: the scheduler takes this retry once, however often it is sent.
    job.retry_command = {
        "job_id": job_id,
        "from_step": from_step,
        "after_sequence": job.last_sequence,
    }
    job.save()
    outbox.enqueue(RETRY_JOB_TASK, job.retry_command, job_id=job_id)
    log.warning("job %s: retry from step %s asked by %s", job_id, from_step, actor.user_id)
    return job

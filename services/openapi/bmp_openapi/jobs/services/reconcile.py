"""Reconciliation: no job waits forever for an event that was lost.

An event openapi could not apply is retried by its task (backoff); one lost anyway (retries
spent, the broker lost it, a worker died before the retry was queued) leaves its job in flight
here while the scheduler has moved on. Every sweep takes the in-flight jobs nothing was heard
of for ``BMP_OPENAPI_RECONCILE_AFTER`` seconds (not asked about in that time either; oldest
first, ``BMP_OPENAPI_SWEEP_BATCH`` at most) and asks the scheduler to send their latest event
again (``bmp.scheduler.resend_job_events``): the answer takes the one event path, where an
event already applied is ignored by (job, sequence). A job still ``submitted`` also has its
submission sent again, and a retried job not heard of since its retry command, in case that is
what was lost: the scheduler takes a job once, and a retry once (``after_sequence``).

A running job whose progress the scheduler published in that time (``bmp_common.progress``,
at every step it begins) has been heard of: it is marked checked and not asked about. The one
event a running job can still lose is its end, and the scheduler stops publishing when the job
ends, so a lost end is asked for as before. Without this, every install of a storm longer than
``BMP_OPENAPI_RECONCILE_AFTER`` was asked about once a period (an event resent, applied and
ignored): work growing with the number of installs times the storm's length.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bmp_common import progress
from bmp_common.messages.jobs import RESEND_JOB_EVENTS_TASK, RETRY_JOB_TASK, SUBMIT_JOB_TASK
from bmp_openapi.jobs.models import RUNNING, SUBMITTED, Job, Outbox
from bmp_openapi.jobs.services import outbox

log = logging.getLogger(__name__)


def jobs_reconcile(limit: int) -> int:
    """Asks the scheduler about the silent in-flight jobs; returns how many."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.BMP_OPENAPI_RECONCILE_AFTER)
    waiting = Outbox.objects.values("job_id")  # a message not sent yet is not a lost one
    silent = (
        Job.objects.filter(status__in=(SUBMITTED, RUNNING), updated_at__lt=cutoff)
        .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=cutoff))
        .exclude(job_id__in=waiting)
        .order_by("updated_at")
    )
    candidates = list(silent.values_list("pk", "job_id", "status")[:limit])
    if not candidates:
        return 0
    running = [job_id for _, job_id, status in candidates if status == RUNNING]
    heard = progress.seen_since(running, cutoff.timestamp())
    rows = [row for row in candidates if row[1] not in heard]
    job_ids = [job_id for _, job_id, _ in rows]
    with transaction.atomic():
        # All checked, the ones heard of too: the next sweeps take other jobs.
        Job.objects.filter(pk__in=[pk for pk, _, _ in candidates]).update(checked_at=now)
        if not rows:
            return 0
        unacknowledged = [pk for pk, _, status in rows if status == SUBMITTED]
        submissions = Job.objects.filter(pk__in=unacknowledged).values_list("job_id", "submission")
        for job_id, submission in submissions:
            outbox.enqueue(SUBMIT_JOB_TASK, {"message": submission}, job_id=job_id)
        commands = Job.objects.filter(pk__in=[pk for pk, _, _ in rows]).values_list(
            "job_id", "retry_command"
        )
        for job_id, command in commands:
            if command:
                outbox.enqueue(RETRY_JOB_TASK, command, job_id=job_id)
        outbox.enqueue(RESEND_JOB_EVENTS_TASK, {"job_ids": job_ids}, job_id="")
    log.warning("reconciliation: asked the scheduler about %d silent job(s)", len(job_ids))
    return len(job_ids)

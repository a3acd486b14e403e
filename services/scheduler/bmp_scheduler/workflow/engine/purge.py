"""Secrets leave a job's rows once the job can no longer use them.

A job keeps the BMC password (``node.bmc.password_encrypted``, the driver steps' params) and the
root password (``spec``, SetPassword's params), Fernet-encrypted, only while it may still run:
until it succeeds, or for ``BMP_JOB_RETRY_WINDOW`` seconds (plus ``PURGE_GRACE``) after it failed
or was cancelled (an operator's retry runs the stored steps again). Then they are removed, and a
retry is refused.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bmp_common.crypto import without_secrets
from bmp_common.db import Arg, Statement, save_fields
from bmp_scheduler.workflow.choices import JOB_CANCELLED, JOB_FAILED
from bmp_scheduler.workflow.models import Job, Step

log = logging.getLogger(__name__)

RETRYABLE = (JOB_FAILED, JOB_CANCELLED)
# openapi refuses retries once BMP_JOB_RETRY_WINDOW is over (from its own record of the end,
# a little later than ours); the purge waits this much longer, so a retry it accepted at the
# last second still finds the secrets here.
PURGE_GRACE = timedelta(hours=1)


# Read at every succeeded job's end: compiled once (bmp_common.db).
_SUBMITTED = Statement(lambda: Job.objects.filter(pk=Arg("pk")).only("node", "spec"))
_STEP_PARAMS = Statement(lambda: Step.objects.filter(job_id=Arg("job")).only("params"))


def job_secrets_purge(job: Job) -> None:
    """Removes the secrets of ``job`` (locked) and of its steps."""
    if {"node", "spec"} & job.get_deferred_fields():  # the engine's lock defers them: one read
        submitted = _SUBMITTED.first(pk=job.pk)
        job.node, job.spec = submitted.node, submitted.spec
    job.node = without_secrets(job.node)
    job.spec = without_secrets(job.spec)
    job.secrets_purged_at = timezone.now()
    save_fields(job, ["node", "spec", "secrets_purged_at", "updated_at"])
    for step in _STEP_PARAMS.all(job=job.pk):
        cleaned = without_secrets(step.params)
        if cleaned != step.params:  # a job's driver steps and SetPassword: four to six
            step.params = cleaned
            save_fields(step, ["params"])
    log.info("job %s: secrets purged", job.job_id)


def purge_expired(limit: int) -> int:
    """Purges failed and cancelled jobs whose retry window is over; returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.BMP_JOB_RETRY_WINDOW) - PURGE_GRACE
    due = Job.objects.filter(
        status__in=RETRYABLE, finished_at__lt=cutoff, secrets_purged_at__isnull=True
    ).values_list("pk", flat=True)
    purged = 0
    for pk in due[:limit]:
        with transaction.atomic():
            # The engine's row lock (core.lock_job), with node and spec: they are rewritten.
            job = Job.objects.select_for_update().get(pk=pk)
            if job.status in RETRYABLE and job.secrets_purged_at is None:  # not retried meanwhile
                job_secrets_purge(job)
                purged += 1
    return purged

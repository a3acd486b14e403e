"""The sweep (beat, every 5 s): deadlines, due retries, free devices, unsent messages.

It is also what makes a restarted scheduler resume every chain: all the state is in the
database, and the sweep finds whatever was in flight (bounded batches; the next sweep does
the rest).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bmp_common.messages import actions
from bmp_scheduler.workflow.choices import (
    ERROR_TIMEOUT,
    JOB_QUEUED,
    JOB_RUNNING,
    STEP_RUNNING,
    STEP_WAITING,
    TARGET_AGENT,
)
from bmp_scheduler.workflow.engine import agent, outbox, purge
from bmp_scheduler.workflow.engine.core import lock_job, start_job, start_next, start_queued
from bmp_scheduler.workflow.engine.results import fail_attempt
from bmp_scheduler.workflow.models import Job, Step

log = logging.getLogger(__name__)


def sweep() -> dict[str, int]:
    limit = settings.BMP_SCHEDULER_SWEEP_BATCH
    counts = {
        "timed_out": expire_steps(limit),
        "silent": expire_silent_agents(limit),
        "retried": start_due_retries(limit),
        "started": start_queued_jobs(limit),
        "resent": outbox.send_pending(limit),
        "purged": purge.purge_expired(limit),
    }
    if any(counts.values()):
        log.info("sweep: %s", counts)
    return counts


def expire_steps(limit: int) -> int:
    """Running steps past their deadline count as a failed attempt (lost agent, lost send)."""
    due = Step.objects.filter(status=STEP_RUNNING, deadline__lt=timezone.now())
    expired = 0
    for step_pk, job_pk in due.values_list("pk", "job_id")[:limit]:
        with transaction.atomic():
            job = lock_job(job_pk)
            step = Step.objects.get(pk=step_pk)
            if (
                job.status != JOB_RUNNING
                or step.status != STEP_RUNNING
                or step.deadline >= timezone.now()
            ):
                continue  # a result arrived meanwhile
            message = (
                f"{step.action}: no result within {step.timeout_s:g} s "
                f"(attempt {step.attempts_used} of {step.max_attempts})"
            )
            fail_attempt(job, step, error=ERROR_TIMEOUT, message=message)
            expired += 1
    return expired


# Ping waits for the server to boot its LiveOS: there is no agent to be silent yet.
SILENCE_EXEMPT = (actions.PING,)


def expire_silent_agents(limit: int) -> int:
    """Running agent steps whose agent has not been heard of for the silence allowed (counted
    from the step's start at the earliest) fail their attempt, and are retried."""
    silence = settings.BMP_SCHEDULER_AGENT_SILENCE
    cutoff = timezone.now() - timedelta(seconds=silence)
    due = (
        Step.objects.filter(status=STEP_RUNNING, target=TARGET_AGENT, started_at__lt=cutoff)
        .exclude(action__in=SILENCE_EXEMPT)
        .filter(Q(job__agent_seen_at__isnull=True) | Q(job__agent_seen_at__lt=cutoff))
    )
    expired = 0
    for step_pk, job_pk in due.values_list("pk", "job_id")[:limit]:
        with transaction.atomic():
            job = lock_job(job_pk)
            step = Step.objects.get(pk=step_pk)
            seen = max(filter(None, (job.agent_seen_at, step.started_at)))
            if job.status != JOB_RUNNING or step.status != STEP_RUNNING or seen >= cutoff:
                continue  # a result or a heartbeat arrived meanwhile
            message = (
                f"{step.action}: the agent was silent for {silence:g} s "
                f"(attempt {step.attempts_used} of {step.max_attempts})"
            )
            agent.agent_silent(job, step, message=message)
            expired += 1
    return expired


def start_due_retries(limit: int) -> int:
    """Steps whose backoff is over get their next attempt."""
    due = Step.objects.filter(
        status=STEP_WAITING, not_before__lte=timezone.now(), job__status=JOB_RUNNING
    )
    started = 0
    for job_pk in due.values_list("job_id", flat=True).distinct()[:limit]:
        with transaction.atomic():
            job = lock_job(job_pk)
            if job.status == JOB_RUNNING and start_next(job) is not None:
                started += 1
    return started


def start_queued_jobs(limit: int) -> int:
    """Queued jobs whose device is free (e.g. a start lost in a crash) are started."""
    started = 0
    seen: set[str] = set()
    queued = Job.objects.filter(status=JOB_QUEUED).order_by("id").values_list("pk", "sn")
    for job_pk, sn in queued[:limit]:
        if sn in seen:
            continue
        seen.add(sn)
        with transaction.atomic():
            if sn:
                started += start_queued(sn) is not None
                continue
            job = lock_job(job_pk)
            if job.status == JOB_QUEUED:
                started += start_job(job)
    return started

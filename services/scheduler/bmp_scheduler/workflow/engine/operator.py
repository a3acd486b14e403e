"""What an operator can do to a job through openapi: cancel it, or retry it."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from bmp_common.db import save_fields
from bmp_scheduler.workflow.choices import (
    JOB_ACTIVE,
    JOB_CANCELLED,
    JOB_FAILED,
    JOB_QUEUED,
    STEP_CANCELLED,
    STEP_DONE,
    STEP_FAILED,
    STEP_RUNNING,
    STEP_SKIPPED,
    STEP_WAITING,
    TARGET_AGENT,
)
from bmp_scheduler.workflow.engine.core import (
    BOOT_INTO_LIVEOS,
    finish_job,
    lock_job,
    start_job,
    start_queued,
)
from bmp_scheduler.workflow.models import Job

log = logging.getLogger(__name__)


def _locked(job_id: str) -> Job | None:
    pk = Job.objects.filter(job_id=job_id).values_list("pk", flat=True).first()
    return lock_job(pk) if pk is not None else None


def cancel_job(job_id: str) -> Job | None:
    """Stop a queued or running job; results still on their way are then ignored."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.status not in JOB_ACTIVE:
            log.info("cancel of job %s ignored: %s", job_id, job.status if job else "unknown")
            return job
        current = job.steps.filter(status=STEP_RUNNING).first()
        job.steps.filter(status__in=(STEP_WAITING, STEP_RUNNING)).update(
            status=STEP_CANCELLED, deadline=None, not_before=None, finished_at=timezone.now()
        )
        finish_job(job, JOB_CANCELLED, step=current, message="cancelled by an operator")
        return job


def retry_job(
    job_id: str, from_step: int | None = None, after_sequence: int | None = None
) -> Job | None:
    """Run a failed (or cancelled) job again from its failed step, or from step ``from_step``.

    Steps before the restart point that never finished are skipped; the attempt counter keeps
    counting (so results of the earlier run are still recognised as stale), with a fresh budget.
    A restart point among the LiveOS agent's steps moves back to the SetPXEBoot before them: the
    agent of the ended job lost its token (and what it did), so the server boots into the
    LiveOS again, with a new token.

    ``after_sequence``: the last event openapi had seen when it asked; a retry asked before a
    later event (a repeat of one already taken, sent again by openapi's reconciliation) is
    ignored, so a repeat never runs a job a third time.
    """
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.status not in (JOB_FAILED, JOB_CANCELLED):
            log.info("retry of job %s ignored: %s", job_id, job.status if job else "unknown")
            return job
        if after_sequence is not None and job.event_sequence != after_sequence:
            log.info("retry of job %s ignored: asked before event %d", job_id, job.event_sequence)
            return job
        if job.secrets_purged_at is not None:
            # Its passwords are gone (retry window over): it would fail at its first BMC call.
            log.warning("retry of job %s refused: its retry window is over", job_id)
            return job
        steps = list(job.steps.order_by("index"))
        if from_step is None:
            stopped = [s for s in steps if s.status in (STEP_FAILED, STEP_CANCELLED)]
            from_step = stopped[0].index if stopped else len(steps)
        if not 0 <= from_step < len(steps):
            log.warning("retry of job %s: no step %s", job_id, from_step)
            return job
        if steps[from_step].target == TARGET_AGENT:
            boots = [s.index for s in steps[:from_step] if s.action == BOOT_INTO_LIVEOS]
            from_step = boots[-1] if boots else from_step
        for step in steps:
            if step.index >= from_step:
                if step.status == STEP_SKIPPED and step.attempt == 0:
                    continue  # not needed by this chain (SetPassword without a password)
                step.status = STEP_WAITING
                step.attempt_base = step.attempt
                step.result, step.error = {}, ""
                step.not_before = step.deadline = step.started_at = step.finished_at = None
                step.progress = {}
            elif step.status not in STEP_DONE:
                step.status = STEP_SKIPPED
            step.save()
        job.status, job.reason, job.message, job.finished_at = JOB_QUEUED, "", "", None
        save_fields(job, ["status", "reason", "message", "finished_at", "updated_at"])
        log.info("job %s retried from step %d", job_id, from_step)
        if job.sn:
            start_queued(job.sn)  # it starts now unless another job of its device runs
        else:
            start_job(job)
        job.refresh_from_db()
        return job

"""Celery tasks of queues ``scheduler`` and ``scheduler.results`` (step results): thin
interfaces over the engine.

Every task is idempotent (job ids, (step, attempt) pairs), which is what makes ``acks_late``
safe. A malformed message is logged and dropped: retrying it could never succeed.
"""

from __future__ import annotations

import logging

from django.db import OperationalError

from bmp_common.messages import MessageSchemaError
from bmp_common.messages.jobs import (
    CANCEL_JOB_TASK,
    RESEND_JOB_EVENTS_TASK,
    RETRY_JOB_TASK,
    SUBMIT_JOB_TASK,
    SUBMIT_JOBS_TASK,
    JobSubmit,
)
from bmp_common.messages.steps import STEP_RESULT_TASK, StepResult
from bmp_scheduler.celery import app
from bmp_scheduler.workflow import engine

log = logging.getLogger(__name__)

# A database that rolled this transaction back (a MariaDB deadlock victim, a lost connection):
# run the task again, which is safe because every task is idempotent.
DB_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 0.5,
    "retry_jitter": True,
    "max_retries": 5,
}


@app.task(name=SUBMIT_JOB_TASK, **DB_RETRY)
def submit_job(message=None, **extra):
    try:
        submit = JobSubmit.from_wire(message)
    except MessageSchemaError as exc:
        log.error("submit_job: malformed message dropped: %s", exc)
        return None
    return engine.submit_job(submit).status


@app.task(name=SUBMIT_JOBS_TASK, **DB_RETRY)
def submit_jobs(messages=None, **extra):
    """The submissions of one write (a create of many instances), taken one after another on
    this one thread, each in its own transaction as ``submit_job``: a batch keeps one thread
    busy rather than queueing every thread on SQLite's write lock at once. A retry (the
    database rolled one back) takes them again: those stored already are skipped by job id."""
    if not isinstance(messages, list):
        log.error("submit_jobs: malformed messages dropped")
        return None
    statuses = []
    for message in messages:
        try:
            submit = JobSubmit.from_wire(message)
        except MessageSchemaError as exc:
            log.error("submit_jobs: malformed message dropped: %s", exc)
            statuses.append(None)
            continue
        statuses.append(engine.submit_job(submit).status)
    return statuses


@app.task(name=STEP_RESULT_TASK, **DB_RETRY)
def step_result(message=None, followed_by=None, **extra):
    """One result, or the results of a run (``followed_by``: the steps after it, in order)."""
    try:
        results = [StepResult.from_wire(message)]
        results += [StepResult.from_wire(wire) for wire in followed_by or []]
    except (MessageSchemaError, TypeError) as exc:
        log.error("step_result: malformed message dropped: %s", exc)
        return None
    outcomes = engine.record_results(results)
    return outcomes[0] if followed_by is None else outcomes


@app.task(name="bmp.scheduler.sweep")  # the next sweep is 5 s away: no retries
def sweep():
    return engine.sweep()


@app.task(name=CANCEL_JOB_TASK, **DB_RETRY)
def cancel_job(job_id=None, **extra):
    if not isinstance(job_id, str) or not job_id:
        log.error("cancel_job: malformed job_id %r dropped", job_id)
        return None
    job = engine.cancel_job(job_id)
    return job.status if job else None


@app.task(name=RETRY_JOB_TASK, **DB_RETRY)
def retry_job(job_id=None, from_step=None, after_sequence=None, **extra):
    if not isinstance(job_id, str) or not job_id:
        log.error("retry_job: malformed job_id %r dropped", job_id)
        return None
    for name, value in (("from_step", from_step), ("after_sequence", after_sequence)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            log.error("retry_job: malformed %s %r dropped", name, value)
            return None
    job = engine.retry_job(job_id, from_step=from_step, after_sequence=after_sequence)
    return job.status if job else None


# openapi names at most its sweep batch of jobs; a longer list is not ours to honour whole.
RESEND_LIMIT = 1000


@app.task(name=RESEND_JOB_EVENTS_TASK, **DB_RETRY)
def resend_job_events(job_ids=None, **extra):
    """openapi's reconciliation: the last event of each of these jobs, again."""
    if not isinstance(job_ids, list) or not all(isinstance(j, str) for j in job_ids):
        log.error("resend_job_events: malformed job_ids dropped")
        return None
    return engine.resend_job_events(job_ids[:RESEND_LIMIT])

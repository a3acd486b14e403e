"""Step results: record one, advance the chain, or retry with backoff, or end the job."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from bmp_common.db import Arg, Statement, save_fields
from bmp_common.messages.steps import BMC_CREDENTIAL_ERRORS, STEP_OK, StepResult
from bmp_scheduler.workflow.choices import (
    JOB_FAILED,
    JOB_RUNNING,
    POLICY_SKIP,
    STEP_FAILED,
    STEP_RUNNING,
    STEP_SKIPPED,
    STEP_SUCCEEDED,
    STEP_WAITING,
    TARGET_DRIVER,
)
from bmp_scheduler.workflow.engine import recorder
from bmp_scheduler.workflow.engine.core import (
    UNFINISHED_READ,
    backoff_seconds,
    finish_job,
    lock_job,
    start_next,
    unfinished_steps,
)
from bmp_scheduler.workflow.models import Job, Step

log = logging.getLogger(__name__)

RECORDED = "recorded"
IGNORED = "ignored"  # duplicate, late (earlier attempt), unknown step, or step not running


class Applied(NamedTuple):
    outcome: str  # RECORDED or IGNORED
    running: Step | None  # the step running now, if the result started one (the gateway's next)


def record_result(result: StepResult) -> str:
    """Apply a result to its step; RECORDED or IGNORED. Safe to call twice with one result."""
    return record_results([result])[0]


# Which job a result is of: read for every result the driver and the DHCP agent send.
_STEP_JOB = Statement(lambda: Step.objects.filter(pk=Arg("pk")).only("job"))


def record_results(results: list[StepResult]) -> list[str]:
    """Apply the results of a run (steps of one job, in the order they ran) in one transaction;
    RECORDED or IGNORED for each (see ``apply_results``)."""
    # Read before the transaction: a step never changes jobs, and on SQLite the transaction
    # holds the one write lock from its first statement.
    step = _STEP_JOB.first(pk=results[0].step_id)
    if step is None:
        log.warning("result for unknown step %s ignored", results[0].step_id)
        return [IGNORED] * len(results)
    with transaction.atomic():
        return apply_results(lock_job(step.job_id), results).outcomes


class AppliedRun(NamedTuple):
    outcomes: list[str]  # RECORDED or IGNORED, one per result
    running: Step | None  # the step the last recorded result began, if any


def apply_results(job: Job, results: list[StepResult], *, target: str = "") -> AppliedRun:
    """Apply results of steps of ``job`` (locked) that ran one after the other, oldest first.

    Recording stops at the first result that does not advance the chain (failed, or not the
    running step's: duplicate, late, ahead of the chain, or not of ``target`` when given): the
    steps after it have not begun, so their results are IGNORED. The unfinished steps are read
    once for the whole run, not once per result.
    """
    outcomes = [IGNORED] * len(results)
    unfinished = unfinished_steps(job)
    complete = len(unfinished) < UNFINISHED_READ  # every unfinished step is in the list
    running = None
    for at, result in enumerate(results):
        step = unfinished[0] if unfinished else None
        if step is None or step.pk != result.step_id or (target and step.target != target):
            log.info(
                "result of step %s attempt %s ignored: not the running step",
                result.step_id,
                result.attempt,
            )
            break
        unfinished = unfinished[1:]
        in_hand = results[at + 1].step_id if at + 1 < len(results) else None
        known = unfinished if unfinished or complete else None  # None: start_next reads them
        applied = apply_result(job, step, result, in_hand=in_hand, unfinished=known)
        outcomes[at], running = applied.outcome, applied.running
        if applied.outcome != RECORDED or running is None:
            break
    return AppliedRun(outcomes, running)


def apply_result(
    job: Job,
    step: Step,
    result: StepResult,
    *,
    in_hand: int | None = None,
    unfinished: list[Step] | None = None,
) -> Applied:
    """Apply ``result`` to ``step`` of ``job`` (locked): advance, retry, or end the job.
    ``in_hand``: the next step whose result the caller holds (a run): begun, not sent.
    ``unfinished``: the job's unfinished steps after ``step``, when the caller has read them."""
    if job.status != JOB_RUNNING or step.status != STEP_RUNNING or step.attempt != result.attempt:
        log.info(
            "result of step %s attempt %s ignored (step %s attempt %s, job %s)",
            step.pk,
            result.attempt,
            step.status,
            step.attempt,
            job.status,
        )
        return Applied(IGNORED, None)
    step.result = recorder.take_bmc_calls(step, result.data)
    if result.status == STEP_OK:
        step.status = STEP_SUCCEEDED
        step.error = ""
        step.finished_at = timezone.now()
        save_fields(step, ["status", "error", "finished_at", "result"])
        recorder.step_ended(job, step, result="ok")
        return Applied(RECORDED, start_next(job, in_hand=in_hand, unfinished=unfinished))
    error = result.error or "ERROR"
    message = str(result.data.get("message") or f"{step.action} failed: {error}")
    fail_attempt(job, step, error=error, message=message)
    return Applied(RECORDED, None)


def is_final(step: Step, error: str) -> bool:
    """Whether no further attempt may be made: the BMC refused the driver's credentials or
    privilege. Another login with the same password fails the same way and counts towards the
    BMC's account lockout (often after three), so the step fails at its first refusal."""
    return step.target == TARGET_DRIVER and error in BMC_CREDENTIAL_ERRORS


def fail_attempt(job: Job, step: Step, *, error: str, message: str) -> None:
    """An attempt failed (or timed out): retry after a backoff while attempts remain, unless
    the failure is final (``is_final``); then skip the step (policy ``skip``) or fail the job."""
    now = timezone.now()
    step.error = error[:64]
    recorder.step_ended(job, step, result="failed", error=error, message=message)
    if is_final(step, error):
        log.warning(
            "job %s step %d %s attempt %d failed (%s): not retried, the BMC refused the login",
            job.job_id,
            step.index,
            step.action,
            step.attempt,
            error,
        )
    elif step.attempts_used < step.max_attempts:
        delay = backoff_seconds(step.attempts_used)
        step.status = STEP_WAITING
        step.not_before = now + timedelta(seconds=delay)
        step.deadline = None
        save_fields(step, ["status", "not_before", "deadline", "error", "result"])
        log.warning(
            "job %s step %d %s attempt %d failed (%s): retry in %.1f s",
            job.job_id,
            step.index,
            step.action,
            step.attempt,
            error,
            delay,
        )
        return
    step.finished_at = now
    step.deadline = None
    if step.policy == POLICY_SKIP:
        step.status = STEP_SKIPPED
        save_fields(step, ["status", "finished_at", "deadline", "error", "result"])
        log.warning("job %s step %s failed (%s): skipped by policy", job.job_id, step, error)
        start_next(job)
        return
    step.status = STEP_FAILED
    save_fields(step, ["status", "finished_at", "deadline", "error", "result"])
    finish_job(job, JOB_FAILED, step=step, message=message)

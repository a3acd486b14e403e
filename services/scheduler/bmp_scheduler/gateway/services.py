"""Writes of the gateway: an agent's heartbeat and results, and handing out its next step.

Agent steps never touch the broker: a result is recorded through the engine and the next agent
step is handed out in the same request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bmp_common.crypto import SecretDecryptionError, decrypt_secret
from bmp_common.errors import BmpError
from bmp_common.messages.jobs import EVENT_STEP
from bmp_common.messages.steps import StepResult
from bmp_scheduler.gateway import selectors
from bmp_scheduler.gateway.error_codes import AGENT_TOKEN_INVALID
from bmp_scheduler.workflow import engine
from bmp_scheduler.workflow.choices import JOB_RUNNING, STEP_RUNNING, TARGET_AGENT
from bmp_scheduler.workflow.engine import events
from bmp_scheduler.workflow.engine.core import lock_job, start_next
from bmp_scheduler.workflow.models import Job, Step

log = logging.getLogger(__name__)

# Handed out again on every heartbeat while running: instant and harmless to repeat, and a
# lost answer must not cost the 30 minutes of Ping's deadline.
REPEATABLE_ACTIONS = frozenset({"Ping"})


def _locked_agent_job(*, sn: str, token: str) -> Job:
    job = lock_job(selectors.agent_job(sn=sn, token=token).pk)
    if job.status != JOB_RUNNING or not job.token_digest:
        raise BmpError(AGENT_TOKEN_INVALID)  # the job ended while we waited for the lock
    return job


def agent_heartbeat(*, sn: str, token: str, progress: dict | None = None) -> list[dict]:
    with transaction.atomic():
        job = _locked_agent_job(sn=sn, token=token)
        if progress:
            current = job.steps.filter(status=STEP_RUNNING, target=TARGET_AGENT).first()
            if current is not None:
                _record_progress(job, current, progress)
        return _hand_out(job)


def agent_result(
    *,
    sn: str,
    token: str,
    step_id: int,
    attempt: int,
    status: str,
    data: dict,
    error: str | None,
) -> dict:
    with transaction.atomic():
        job = _locked_agent_job(sn=sn, token=token)
        mine = Step.objects.filter(pk=step_id, job=job, target=TARGET_AGENT).exists()
        result = StepResult(step_id=step_id, attempt=attempt, status=status, data=data, error=error)
        outcome = engine.record_result(result) if mine else engine.IGNORED
        if outcome == engine.IGNORED:
            return {"steps": [], "ignored": True}
        job.refresh_from_db()
        return {"steps": _hand_out(job) if job.status == JOB_RUNNING else []}


def _hand_out(job: Job) -> list[dict]:
    """The agent step due now (begun if its backoff is over), once per attempt."""
    step = start_next(job)
    if step is None or step.target != TARGET_AGENT:
        return []
    if step.delivered_attempt == step.attempt and step.action not in REPEATABLE_ACTIONS:
        return []  # the agent is working on it; a lost one comes back at its deadline
    step.delivered_attempt = step.attempt
    step.save(update_fields=["delivered_attempt"])
    log.info(
        "job %s: step %d %s attempt %d handed to the agent",
        job.job_id,
        step.index,
        step.action,
        step.attempt,
    )
    return [
        {
            "step_id": step.pk,
            "attempt": step.attempt,
            "action": step.action,
            "params": _agent_params(step),
        }
    ]


def _agent_params(step: Step) -> dict:
    params = dict(step.params)
    encrypted = params.pop("password_encrypted", None)
    if encrypted:
        try:
            params["password"] = decrypt_secret(encrypted)
        except SecretDecryptionError:
            log.error("step %s: the password cannot be decrypted; sent without it", step.pk)
    return params


def _record_progress(job: Job, step: Step, progress: dict) -> None:
    now = timezone.now()
    step.progress = progress
    fields = ["progress"]
    interval = settings.BMP_SCHEDULER_PROGRESS_INTERVAL
    if step.progress_sent_at is None or (now - step.progress_sent_at).total_seconds() >= interval:
        step.progress_sent_at = now
        fields.append("progress_sent_at")
        events.emit(
            job,
            EVENT_STEP,
            action=step.action,
            progress={"step": step.index + 1, "steps": job.steps.count(), **progress},
        )
    step.save(update_fields=fields)

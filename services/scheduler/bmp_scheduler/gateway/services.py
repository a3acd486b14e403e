"""Writes of the gateway: an agent's heartbeat and results, and handing out its next step.

Agent steps never touch the broker: a result is recorded through the engine and the next agent
step is handed out in the same request. An idle agent is handed the running agent step every time
it asks: results are keyed by (step, attempt), so a repeat costs nothing, and an answer lost on
the way (a timeout under load) never strands a step until its deadline. Heartbeats are read-only
unless there is something to write (progress, or a step to begin), so thousands of agents polling
do not queue behind the database's write lock.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bmp_common import progress as live
from bmp_common.crypto import SecretDecryptionError, decrypt_secret
from bmp_common.messages.steps import StepResult
from bmp_scheduler.gateway import selectors
from bmp_scheduler.workflow import engine
from bmp_scheduler.workflow.choices import JOB_RUNNING, STEP_RUNNING, TARGET_AGENT
from bmp_scheduler.workflow.engine import events
from bmp_scheduler.workflow.engine.core import start_next
from bmp_scheduler.workflow.engine.results import IGNORED
from bmp_scheduler.workflow.models import Job, Step

log = logging.getLogger(__name__)


def _locked_agent_job(*, sn: str, token: str) -> Job:
    # Found and locked in one query: a job that ended while we waited no longer matches.
    return selectors.agent_job(sn=sn, token=token, lock=True)


def note_agent_seen(job: Job) -> None:
    """Record the agent's sign of life, at most once per quarter of the silence allowed: a
    write every 30 s per job by default, not one per heartbeat."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.BMP_SCHEDULER_AGENT_SILENCE / 4)
    if job.agent_seen_at is not None and job.agent_seen_at >= stale:
        return  # recent enough: no statement at all (an UPDATE takes SQLite's write lock)
    Job.objects.filter(pk=job.pk).filter(
        Q(agent_seen_at__isnull=True) | Q(agent_seen_at__lt=stale)
    ).update(agent_seen_at=now)


def agent_heartbeat(
    *,
    sn: str,
    token: str,
    boot_id: str = "",
    working: dict | None = None,
    progress: dict | None = None,
) -> list[dict]:
    """A busy agent (``working`` or ``progress`` given) gets nothing; an idle one its step."""
    job = selectors.agent_job(sn=sn, token=token)
    if boot_id and boot_id != job.agent_boot:  # once per boot: a write
        with transaction.atomic():
            job = _locked_agent_job(sn=sn, token=token)
            engine.agent_booted(job, boot_id)
    note_agent_seen(job)
    step = selectors.current_step(job)
    busy = working is not None or bool(progress)
    if busy:
        if progress and step is not None and _is_running_agent_step(step, working):
            # The live display only (bmp_common.progress): no write, no lock.
            live.publish(job.job_id, {"action": step.action, **events.place(job, step), **progress})
        return []
    if step is None or step.target != TARGET_AGENT:
        return []
    if step.status == STEP_RUNNING:
        return [_order(job, step)]
    if step.not_before is not None and step.not_before > timezone.now():
        return []  # a retry waits for its backoff
    with transaction.atomic():  # the step is due to begin: that is a write
        return _hand_out(_locked_agent_job(sn=sn, token=token))


def _is_running_agent_step(step: Step, working: dict | None) -> bool:
    if step.status != STEP_RUNNING or step.target != TARGET_AGENT:
        return False
    if working is None:
        return True
    return working.get("step_id") == step.pk and working.get("attempt") == step.attempt


def agent_result(
    *,
    sn: str,
    token: str,
    step_id: int,
    attempt: int,
    status: str,
    data: dict,
    error: str | None,
    boot_id: str = "",
) -> dict:
    """Record one result; the agent is idle now, so the answer carries its next step.

    ``boot_id`` is not looked at: a restarted agent announces its new boot with a heartbeat
    (it is idle, it knows no step), and a result can be a late one of an earlier boot.
    """
    with transaction.atomic():
        job = _locked_agent_job(sn=sn, token=token)
        note_agent_seen(job)
        step = Step.objects.filter(pk=step_id, job=job, target=TARGET_AGENT).first()
        result = StepResult(step_id=step_id, attempt=attempt, status=status, data=data, error=error)
        applied = engine.apply_result(job, step, result) if step else engine.Applied(IGNORED, None)
        if applied.running is not None:  # the step the result started: no need to look again
            steps = [_order(job, applied.running)] if applied.running.target == TARGET_AGENT else []
        else:
            steps = _hand_out(job) if job.status == JOB_RUNNING else []
    if applied.outcome == IGNORED:
        return {"steps": steps, "ignored": True}
    return {"steps": steps}


def _hand_out(job: Job) -> list[dict]:
    """The agent step due now (begun if its backoff is over), for an idle agent."""
    step = start_next(job)
    if step is None or step.target != TARGET_AGENT:
        return []
    return [_order(job, step)]


def _order(job: Job, step: Step) -> dict:
    log.info(
        "job %s: step %d %s attempt %d handed to the agent",
        job.job_id,
        step.index,
        step.action,
        step.attempt,
    )
    return {
        "step_id": step.pk,
        "attempt": step.attempt,
        "action": step.action,
        "params": _agent_params(step),
    }


def _agent_params(step: Step) -> dict:
    params = dict(step.params)
    encrypted = params.pop("password_encrypted", None)
    if encrypted:
        try:
            params["password"] = decrypt_secret(encrypted)
        except SecretDecryptionError:
            log.error("step %s: the password cannot be decrypted; sent without it", step.pk)
    return params

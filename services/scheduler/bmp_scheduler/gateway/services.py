"""Writes of the gateway: an agent's heartbeat and results, and handing out its next steps.

Agent steps never touch the broker: results are recorded through the engine and the next agent
steps are handed out in the same request. What an agent is handed is a plan: the running agent
step and the agent steps that follow it up to the next step of another target (the whole of
InitNode…SetUserData), each with the attempt it will have when it begins. The agent runs them in
order and may report several together (``agent_results``): an install's quick steps then cost
the gateway one request, not one each. A result of a step that has not begun when it arrives is
ignored like any late one, so a plan never runs a step the chain did not reach.

An idle agent is handed its plan every time it asks: results are keyed by (step, attempt), so a
repeat costs nothing, and an answer lost on the way (a timeout under load) never strands a step
until its deadline. Heartbeats are read-only unless there is something to write (a step to
begin, or once per boot the exchange of the boot ticket: tokens.exchange), so thousands of
agents polling do not queue behind the database's write lock.

Every answer to an agent call made with the boot ticket carries ``token``: the session token the
agent uses from then on (HTTPS only: the ticket crossed plain HTTP, the session token never does).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bmp_common import cpio, flight
from bmp_common import progress as live
from bmp_common.crypto import SecretDecryptionError, decrypt_secret
from bmp_common.errors import BmpError
from bmp_common.messages import actions
from bmp_common.messages.steps import StepResult
from bmp_scheduler.gateway import selectors
from bmp_scheduler.gateway.addresses import is_reserved_address
from bmp_scheduler.gateway.error_codes import AGENT_TOKEN_UNAVAILABLE
from bmp_scheduler.gateway.ipxe import AGENT_TOKEN_FILE
from bmp_scheduler.workflow import engine, tokens
from bmp_scheduler.workflow.choices import JOB_RUNNING, STEP_RUNNING, TARGET_AGENT
from bmp_scheduler.workflow.engine import events
from bmp_scheduler.workflow.engine.core import run_after, start_next
from bmp_scheduler.workflow.engine.results import RECORDED
from bmp_scheduler.workflow.models import Job, Step

log = logging.getLogger(__name__)

SET_PASSWORD = actions.SET_PASSWORD
INSTALL_MONITOR_AGENT = actions.INSTALL_MONITOR_AGENT


# Tries of a fetch of agent.cpio whose claim another fetch beat (a re-read, then one more).
CLAIM_TRIES = 2


def agent_token_archive(*, mac: str, source: str) -> bytes:
    """``agent.cpio`` for the machine with ``mac``: a boot ticket as /etc/bmp/agent-token in an
    initramfs archive, only to the address the DHCP reservation gives that MAC, and only until
    the boot's ticket is exchanged (an agent call presented it); anything else is a 403 that
    changes nothing. Each fetch hands out a fresh ticket and kills the one handed out before
    (tokens.claim): iPXE's retry after an answer that came too late gets a good one, and only
    the last one handed out is good. The ticket crosses plain HTTP: it is good for one thing,
    an exchange over HTTPS for the session token (tokens.exchange).

    Of two fetches at once, the one whose claim lost re-reads and claims again, so the later
    fetch (the retry, whose client still waits) ends up holding the good ticket."""
    for _ in range(CLAIM_TRIES):
        job = selectors.job_booting_liveos(mac=mac)
        if job is None:
            log.warning(
                "agent.cpio for %s refused: no boot into the LiveOS is due "
                "(or its ticket was exchanged already)",
                mac,
            )
            raise BmpError(AGENT_TOKEN_UNAVAILABLE)
        if not is_reserved_address(source, job.agent_address):
            log.warning(
                "job %s: agent.cpio for %s refused: asked from %s, reserved %s",
                job.job_id,
                mac,
                source or "an unknown address",
                job.agent_address or "none",
            )
            raise BmpError(AGENT_TOKEN_UNAVAILABLE)
        handed_before = job.token_claimed_at is not None
        token = tokens.claim(job)
        if token is not None:
            break
    else:
        log.warning("job %s: agent.cpio for %s refused: other fetches at once", job.job_id, mac)
        raise BmpError(AGENT_TOKEN_UNAVAILABLE)
    if handed_before:
        # Not exchanged yet: the answer before was lost or late (or someone at the reserved
        # address fetched it); the ticket it carried is dead now.
        log.warning(
            "job %s: boot ticket of boot %d handed out again for %s to %s, the one before revoked",
            job.job_id,
            job.token_boot,
            mac,
            source,
        )
    else:
        log.info("job %s: boot ticket of boot %d handed to %s", job.job_id, job.token_boot, source)
    return cpio.write(
        [
            cpio.directory("etc"),
            cpio.directory("etc/bmp", 0o700),
            cpio.regular_file(AGENT_TOKEN_FILE, token.encode(), 0o600),
        ],
        mtime=int(time.time()),
    )


def _locked_agent_job(*, sn: str, token: str, source: str) -> Job:
    # Found and locked in one query: a job that ended while we waited no longer matches.
    return selectors.agent_job(sn=sn, token=token, source=source, lock=True)


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
    source: str,
    boot_id: str = "",
    working: dict | None = None,
    progress: dict | None = None,
) -> dict:
    """``{"steps"}``: nothing for a busy agent (``working`` or ``progress`` given), its plan for
    an idle one; and ``token``, the session token, when ``token`` is the boot ticket.
    ``source``: the request's address (only the machine's reserved one is served).

    A new ``boot_id`` rewinds the segment (engine.agent_booted); only the holder of the current
    boot's ticket or session token can send one: those of an earlier boot are invalid."""
    job, step = selectors.agent_job_and_step(sn=sn, token=token, source=source)
    # Counted per phase in Redis, never a row each: heartbeats must not take a write lock.
    flight.heartbeat(job.job_id, step.action if step is not None else "")
    session = tokens.exchange(job, token)
    steps = _heartbeat_steps(
        job,
        step,
        sn=sn,
        token=token,
        source=source,
        boot_id=boot_id,
        working=working,
        progress=progress,
    )
    return {"steps": steps, "token": session} if session else {"steps": steps}


def _heartbeat_steps(
    job: Job,
    step: Step | None,
    *,
    sn: str,
    token: str,
    source: str,
    boot_id: str,
    working: dict | None,
    progress: dict | None,
) -> list[dict]:
    """What the heartbeat hands out, and what it writes on the way (see agent_heartbeat)."""
    if _waiting_for_first_results(job, step):
        pass  # nothing to rewind, no silence limit on Ping: its results record the boot
    elif boot_id and boot_id != job.agent_boot:  # once per boot: a write
        with transaction.atomic():
            job = _locked_agent_job(sn=sn, token=token, source=source)
            engine.agent_booted(job, boot_id)
            note_agent_seen(job)  # in the same turn of the write lock
        step = selectors.current_step(job)  # a restart rewound the chain
    else:
        note_agent_seen(job)
    busy = working is not None or bool(progress)
    if busy:
        if progress and step is not None and _is_running_agent_step(step, working):
            # The live display only (bmp_common.progress): no write, no lock.
            live.publish(job.job_id, {"action": step.action, **events.place(job, step), **progress})
        return []
    if step is None or step.target != TARGET_AGENT:
        return []
    if step.status == STEP_RUNNING:
        return _plan(job, step)
    if step.not_before is not None and step.not_before > timezone.now():
        return []  # a retry waits for its backoff
    with transaction.atomic():  # the step is due to begin: that is a write
        return _hand_out(_locked_agent_job(sn=sn, token=token, source=source))


def _waiting_for_first_results(job: Job, step: Step | None) -> bool:
    """The agent of this segment has reported nothing yet: the job knows no boot of it and no
    agent step but Ping has begun (an agent may come up before the scheduler has recorded
    SetPXEBoot). There is nothing to rewind and no silence limit yet: a heartbeat writes
    nothing, and the first results record the boot (one write transaction less per install)."""
    if job.agent_boot:
        return False
    return step is None or step.target != TARGET_AGENT or step.action == engine.WAIT_FOR_AGENT


def _is_running_agent_step(step: Step, working: dict | None) -> bool:
    if step.status != STEP_RUNNING or step.target != TARGET_AGENT:
        return False
    if working is None:
        return True
    return working.get("step_id") == step.pk and working.get("attempt") == step.attempt


def agent_result(*, sn: str, token: str, source: str, boot_id: str = "", **result) -> dict:
    """Record one result (``step_id``, ``attempt``, ``status``, ``data``, ``error``); the
    answer carries the agent's next steps, and ``ignored`` when the result was not recorded."""
    answer = agent_results(sn=sn, token=token, source=source, results=[result], boot_id=boot_id)
    if answer.pop("recorded") == 0:
        return {**answer, "ignored": True}
    return answer


def agent_results(
    *, sn: str, token: str, source: str, results: list[dict], boot_id: str = ""
) -> dict:
    """Record the results of steps the agent ran in order, in one transaction; the agent is
    idle now, so the answer carries its next steps. Recording stops at the first result that
    does not advance the chain (failed, ignored): the ones after it answer steps that, as far
    as the chain is concerned, have not begun.

    ``boot_id`` is recorded when the job knows none yet (heartbeats at Ping leave it to the
    first results); otherwise it is not looked at: a restarted agent announces its new boot
    with a heartbeat (it is idle, it knows no step), and a result can be a late one of an
    earlier boot.

    The answer carries ``token`` too, the session token, when ``token`` is the boot ticket.
    """
    recorded = 0
    with transaction.atomic():
        job = _locked_agent_job(sn=sn, token=token, source=source)
        session = tokens.exchange(job, token)
        if boot_id and not job.agent_boot:  # the first results of this segment's agent
            engine.agent_booted(job, boot_id)
        note_agent_seen(job)
        run = [StepResult(**fields) for fields in results]
        applied = engine.apply_results(job, run, target=TARGET_AGENT)
        recorded, running = applied.outcomes.count(RECORDED), applied.running
        if running is not None:  # the step the results began: no need to look again
            steps = _plan(job, running) if running.target == TARGET_AGENT else []
        else:
            steps = _hand_out(job) if job.status == JOB_RUNNING else []
    answer = {"steps": steps, "recorded": recorded}
    return {**answer, "token": session} if session else answer


def _hand_out(job: Job) -> list[dict]:
    """The plan due now (its first step begun if its backoff is over), for an idle agent."""
    step = start_next(job)
    if step is None or step.target != TARGET_AGENT:
        return []
    return _plan(job, step)


def _plan(job: Job, running: Step) -> list[dict]:
    """``running`` and the agent steps after it, up to a step of another target or one that
    waits for a backoff; each with the attempt it will have when it begins."""
    running.job = job
    orders = [_order(job, running, running.attempt)]
    orders += [_order(job, step, step.attempt + 1) for step in run_after(running)]
    log.info(
        "job %s: %s handed to the agent (step %d, attempt %d%s)",
        job.job_id,
        "…".join(dict.fromkeys((orders[0]["action"], orders[-1]["action"]))),
        running.index,
        running.attempt,
        f", {len(orders)} steps" if len(orders) > 1 else "",
    )
    return orders


def _order(job: Job, step: Step, attempt: int) -> dict:
    return {
        "step_id": step.pk,
        "attempt": attempt,
        "action": step.action,
        "params": _agent_params(job, step),
    }


def _agent_params(job: Job, step: Step) -> dict:
    """What the agent gets: no encrypted secret, and the one plain secret only to the step that
    writes it into the installed system. SetPassword carries the crypt hash made when the
    server booted into the LiveOS (engine.core); InstallMonitorAgent the monitoring agent's
    credential (over the agent's HTTPS session; the log filter masks ``credential`` keys)."""
    params = {key: value for key, value in step.params.items() if not key.endswith("_encrypted")}
    if step.action == INSTALL_MONITOR_AGENT:
        try:
            params["credential"] = decrypt_secret(step.params.get("credential_encrypted") or "")
        except SecretDecryptionError:
            # the step fails on the agent (MONITOR_AGENT_CREDENTIAL_MISSING), the install goes on
            log.error("job %s: the monitoring agent's credential cannot be decrypted", job.job_id)
    if step.action == SET_PASSWORD:
        if job.password_hash:
            params["password_hash"] = job.password_hash
        else:
            log.error("job %s: SetPassword has no password hash; sent without it", job.job_id)
    return params

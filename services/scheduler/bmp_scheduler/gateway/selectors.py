"""Reads of the gateway: which job, if any, a booting MAC or an agent belongs to."""

from __future__ import annotations

from bmp_common.errors import BmpError
from bmp_common.ids import token_digest
from bmp_scheduler.gateway.error_codes import AGENT_TOKEN_INVALID
from bmp_scheduler.workflow import tokens
from bmp_scheduler.workflow.choices import JOB_RUNNING, STEP_RUNNING, STEP_WAITING, TARGET_AGENT
from bmp_scheduler.workflow.models import Job, Step


def job_booting_liveos(*, mac: str) -> Job | None:
    """The running job of the machine with ``mac`` if its chain still has agent work to do."""
    job = (
        Job.objects.filter(mac=mac, status=JOB_RUNNING).exclude(token_digest="").order_by("-id")
    ).first()
    if job is None:
        return None
    pending = job.steps.filter(target=TARGET_AGENT, status__in=(STEP_WAITING, STEP_RUNNING))
    return job if pending.exists() else None


def agent_job(*, sn: str, token: str, lock: bool = False) -> Job:
    job = tokens.job_for(sn=sn, token=token, lock=lock)
    if job is None:
        raise BmpError(AGENT_TOKEN_INVALID)
    return job


def agent_job_and_step(*, sn: str, token: str) -> tuple[Job, Step | None]:
    """The agent's job and its first unfinished step, in one query (a heartbeat's reads)."""
    digest = token_digest(token) if token and sn else ""
    step = (
        Step.objects.select_related("job")
        .defer("job__node", "job__spec", "result", "progress")  # params: the plan's
        .filter(job__token_digest=digest, job__sn=sn, job__status=JOB_RUNNING)
        .filter(status__in=(STEP_WAITING, STEP_RUNNING))
        .order_by("index")
        .first()
    )
    if step is not None and digest:
        return step.job, step
    return agent_job(sn=sn, token=token), None


def current_step(job: Job) -> Step | None:
    """The first unfinished step of ``job`` (read without a lock: a hint, not a decision)."""
    return job.steps.filter(status__in=(STEP_WAITING, STEP_RUNNING)).order_by("index").first()

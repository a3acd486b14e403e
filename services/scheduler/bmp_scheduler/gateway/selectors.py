"""Reads of the gateway: which job, if any, a booting MAC or an agent belongs to."""

from __future__ import annotations

import logging

from django.db.models import Exists, OuterRef
from django.utils import timezone

from bmp_common.db import Arg, Statement
from bmp_common.errors import BmpError
from bmp_scheduler.gateway.addresses import is_reserved_address
from bmp_scheduler.gateway.error_codes import AGENT_ADDRESS_REFUSED, AGENT_TOKEN_INVALID
from bmp_scheduler.workflow import tokens
from bmp_scheduler.workflow.choices import JOB_RUNNING, STEP_RUNNING, STEP_WAITING, TARGET_AGENT
from bmp_scheduler.workflow.models import Job, Step

log = logging.getLogger(__name__)


# Read at every iPXE script and agent.cpio fetch: compiled once (bmp_common.db), the agent
# work left read in the same query. Built per request it was a quarter of the plain gateway's
# CPU in a storm. What openapi submitted (node, spec) is not needed here.
_BOOTING_LIVEOS = Statement(
    lambda: (
        tokens.claimable(
            Job.objects.filter(mac=Arg("mac"), status=JOB_RUNNING),
            now=Arg("now", Job._meta.get_field("token_expires_at")),
        )
        .annotate(
            agent_work_left=Exists(
                Step.objects.filter(
                    job_id=OuterRef("pk"),
                    target=TARGET_AGENT,
                    status__in=(STEP_WAITING, STEP_RUNNING),
                )
            )
        )
        .defer("node", "spec")
        .order_by("-id")[:1]
    )
)


def job_booting_liveos(*, mac: str) -> Job | None:
    """The running job of the machine with ``mac`` if it is booting into the LiveOS: its chain
    still has agent work to do and the ticket of this boot has not been exchanged yet (one
    handed out whose answer was lost is handed out again, and the script boots the LiveOS
    again for a server that starts over from PXE)."""
    job = _BOOTING_LIVEOS.first(mac=mac, now=timezone.now())
    return job if job is not None and job.agent_work_left else None


def check_agent_address(job: Job, source: str) -> None:
    """Agents call only from the address reserved for their machine (a 403 otherwise)."""
    if not is_reserved_address(source, job.agent_address):
        log.warning(
            "job %s: agent call from %s refused (reserved: %s)",
            job.job_id,
            source or "an unknown address",
            job.agent_address or "none",
        )
        raise BmpError(AGENT_ADDRESS_REFUSED)


def agent_job(*, sn: str, token: str, source: str, lock: bool = False) -> Job:
    job = tokens.job_for(sn=sn, token=token, lock=lock)
    if job is None:
        raise BmpError(AGENT_TOKEN_INVALID)
    check_agent_address(job, source)
    return job


def agent_job_and_step(*, sn: str, token: str, source: str) -> tuple[Job, Step | None]:
    """The agent's job and its first unfinished step (a heartbeat's reads)."""
    job = agent_job(sn=sn, token=token, source=source)
    return job, current_step(job)


# Read at every heartbeat: compiled once (bmp_common.db). A step's result and progress are
# not what a heartbeat needs (deferred: read if used).
_FIRST_UNFINISHED = Statement(
    lambda: (
        Step.objects.filter(job_id=Arg("job"), status__in=(STEP_WAITING, STEP_RUNNING))
        .defer("result", "progress")
        .order_by("index")[:1]
    )
)


def current_step(job: Job) -> Step | None:
    """The first unfinished step of ``job`` (read without a lock: a hint, not a decision)."""
    step = _FIRST_UNFINISHED.first(job=job.pk)
    if step is not None:
        step.job = job
    return step

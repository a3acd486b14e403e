"""When the LiveOS agent of a job restarts or goes silent, its segment of the chain runs again.

The agent keeps what it did in memory: the root disk InitNode chose, the partitions it made,
what it mounted. A LiveOS that restarted has forgotten all of it, so retrying only the step it
was running (WriteImageTar into a target nothing mounted) cannot work:

- an agent that comes back with another ``boot_id`` (the server rebooted into the LiveOS, or
  the agent was restarted) runs the job's agent steps again from the first one after Ping;
- an agent silent for ``BMP_SCHEDULER_AGENT_SILENCE`` is on a server that hung or died, which
  does not come back by itself: the server is PXE-booted again (from SetPXEBoot on).

Either way the running step's attempt fails, so a server that keeps failing ends the job after
its step's attempts, with the reason.
"""

from __future__ import annotations

import logging

from bmp_common.db import save_fields
from bmp_common.messages import actions
from bmp_scheduler.workflow.choices import (
    ERROR_AGENT_RESTARTED,
    ERROR_AGENT_SILENT,
    JOB_RUNNING,
    STEP_RUNNING,
    STEP_SUCCEEDED,
    STEP_WAITING,
    TARGET_AGENT,
)
from bmp_scheduler.workflow.engine.core import BOOT_INTO_LIVEOS, start_next, unfinished_steps
from bmp_scheduler.workflow.engine.results import fail_attempt
from bmp_scheduler.workflow.models import Job, Step

log = logging.getLogger(__name__)

WAIT_FOR_AGENT = actions.PING


def agent_booted(job: Job, boot_id: str) -> bool:
    """The agent of ``job`` (locked) says which boot it runs in; True if its segment was
    rewound because that is not the boot it reported first."""
    if not boot_id or boot_id == job.agent_boot:
        return False
    first = not job.agent_boot
    job.agent_boot = boot_id
    save_fields(job, ["agent_boot", "updated_at"])
    current = _current(job)
    if first or current is None or current.target != TARGET_AGENT:
        return False
    if current.action == WAIT_FOR_AGENT:
        return False  # it had not started anything yet
    ping = _last_before(job, current, WAIT_FOR_AGENT)
    start = ping.index + 1 if ping is not None else current.index
    message = f"{current.action}: the agent restarted (a new boot); its steps run again"
    _rewind(job, current, start, error=ERROR_AGENT_RESTARTED, message=message)
    return True


def agent_silent(job: Job, step: Step, *, message: str) -> None:
    """``step`` (running, of ``job`` locked) lost its agent: boot the server into the LiveOS
    again and redo the segment, or end the job when the step has no attempt left."""
    ping = _last_before(job, step, WAIT_FOR_AGENT)
    pxe = _last_before(job, ping, BOOT_INTO_LIVEOS) if ping is not None else None
    start = pxe.index if pxe is not None else step.index
    job.agent_boot = ""  # the next boot is the first one of the new segment
    save_fields(job, ["agent_boot", "updated_at"])
    _rewind(job, step, start, error=ERROR_AGENT_SILENT, message=message)


def _current(job: Job) -> Step | None:
    unfinished = unfinished_steps(job)
    return unfinished[0] if unfinished else None


def _last_before(job: Job, step: Step, action: str) -> Step | None:
    earlier = job.steps.filter(action=action, index__lt=step.index)
    return earlier.order_by("-index").first()


def _rewind(job: Job, current: Step, start: int, *, error: str, message: str) -> None:
    if current.status == STEP_RUNNING:
        fail_attempt(job, current, error=error, message=message)
        if job.status != JOB_RUNNING or current.status != STEP_WAITING:
            return  # no attempt left: the job failed (or the step was skipped by policy)
    again = job.steps.filter(index__gte=start, index__lt=current.index, status=STEP_SUCCEEDED)
    count = again.update(
        status=STEP_WAITING,
        result={},
        error="",
        started_at=None,
        finished_at=None,
        deadline=None,
        not_before=None,
        progress={},
    )
    log.warning(
        "job %s: %s; %d earlier steps run again from step %d", job.job_id, message, count, start
    )
    start_next(job)

"""The workflow engine: plain functions, each one transaction that locks the job row first.

Every state change of a job or its steps happens with ``select_for_update()`` on the job, so two
results (or a result and the sweep) can never advance one chain twice. Messages leave through the
outbox, after commit.
"""

from bmp_scheduler.workflow.engine.agent import WAIT_FOR_AGENT, agent_booted, agent_silent
from bmp_scheduler.workflow.engine.core import dispatch, start_next, submit_job
from bmp_scheduler.workflow.engine.events import resend_job_events
from bmp_scheduler.workflow.engine.operator import cancel_job, retry_job
from bmp_scheduler.workflow.engine.results import (
    IGNORED,
    RECORDED,
    Applied,
    apply_result,
    apply_results,
    record_result,
    record_results,
)
from bmp_scheduler.workflow.engine.sweep import sweep

__all__ = [
    "IGNORED",
    "RECORDED",
    "WAIT_FOR_AGENT",
    "Applied",
    "agent_booted",
    "agent_silent",
    "apply_result",
    "apply_results",
    "cancel_job",
    "dispatch",
    "record_result",
    "record_results",
    "resend_job_events",
    "retry_job",
    "start_next",
    "submit_job",
    "sweep",
]

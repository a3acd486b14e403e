"""What the engine tells the flight recorder (bmp_common.flight): the job's start and end, each
step attempt's begin and end, and the BMC calls the driver reports with its results.

Entries are written once the transaction that decided them commits: a decision rolled back
(a lost race, a crash) never shows in the timeline.
"""

from __future__ import annotations

from bmp_common import flight
from bmp_scheduler.workflow.choices import (
    ERROR_AGENT_RESTARTED,
    ERROR_AGENT_SILENT,
    ERROR_TIMEOUT,
    TARGET_AGENT,
    TARGET_DHCP,
    TARGET_DRIVER,
)
from bmp_scheduler.workflow.engine import after_commit
from bmp_scheduler.workflow.models import Job, Step

# The driver's list of BMC calls in a step result (bmp_driver.worker); kept out of step.result.
BMC_CALLS_KEY = "bmc_calls"
MAX_BMC_CALLS = 32
SCHEDULER_ERRORS = (ERROR_TIMEOUT, ERROR_AGENT_SILENT, ERROR_AGENT_RESTARTED)
_SOURCE_OF_TARGET = {
    TARGET_DRIVER: flight.BMC,
    TARGET_AGENT: flight.AGENT,
    TARGET_DHCP: flight.DHCP,
}


def _later(job_id: str, entries: list[dict]) -> None:
    after_commit.record(job_id, entries)


def job_started(job: Job) -> None:
    detail = {"task": job.task, "requestId": job.request_id, "steps": job.step_count}
    _later(job.job_id, [flight.entry(flight.SCHEDULER, flight.JOB_STARTED, detail)])


def job_ended(job: Job) -> None:
    detail = {"status": job.status, "reason": job.reason, "message": job.message[:300]}
    _later(job.job_id, [flight.entry(flight.SCHEDULER, flight.JOB_ENDED, detail)])


def step_begun(job: Job, step: Step) -> None:
    detail = {
        "index": step.index,
        "action": step.action,
        "target": step.target,
        "attempt": step.attempts_used,
        "timeoutS": step.timeout_s,
    }
    _later(job.job_id, [flight.entry(flight.SCHEDULER, flight.STEP_BEGIN, detail)])


def step_ended(job: Job, step: Step, *, result: str, error: str = "", message: str = "") -> None:
    """``result``: ok, failed, timeout... as the attempt ended; the BMC calls the driver made
    for it come first (they happened before the result)."""
    entries = bmc_call_entries(step)
    detail = {
        "index": step.index,
        "action": step.action,
        "target": step.target,
        "attempt": step.attempts_used,
        "result": result,
    }
    if error:
        detail["error"] = error
    if message:
        detail["message"] = message[:300]
    # Who said it: the step's worker, or the scheduler when it gave up waiting for one.
    source = _SOURCE_OF_TARGET.get(step.target, flight.SCHEDULER)
    if error in SCHEDULER_ERRORS:
        source = flight.SCHEDULER
    entries.append(flight.entry(source, flight.STEP_END, detail))
    _later(job.job_id, entries)


def take_bmc_calls(step: Step, data: dict) -> dict:
    """``data`` without the driver's BMC calls, which go to the timeline (remembered on the
    step object until ``step_ended``), not into the step's stored result."""
    calls = data.get(BMC_CALLS_KEY)
    if BMC_CALLS_KEY in data:
        data = {key: value for key, value in data.items() if key != BMC_CALLS_KEY}
    step._bmc_calls = calls if isinstance(calls, list) else []
    return data


def bmc_call_entries(step: Step) -> list[dict]:
    calls = getattr(step, "_bmc_calls", None) or []
    step._bmc_calls = []
    entries = []
    for call in calls[:MAX_BMC_CALLS]:
        if not isinstance(call, dict) or not isinstance(call.get("at"), int | float):
            continue
        detail = {
            "step": step.action,
            "call": str(call.get("call", ""))[:64],
            "backend": str(call.get("backend", ""))[:32],
            "durationS": call.get("durationS"),
            "result": str(call.get("result", ""))[:64],
        }
        for optional in ("count", "tries"):
            if isinstance(call.get(optional), int) and call[optional] > 1:
                detail[optional] = call[optional]
        entries.append(flight.entry(flight.BMC, flight.BMC_CALL, detail, at=call["at"]))
    return entries

"""Workflow step messages: the scheduler hands a step out, a worker reports its result.

A result names the ``(step_id, attempt)`` it answers, so a duplicate or late result of an
earlier attempt is recognised and ignored by the scheduler.

A run: a dispatch may carry ``followed_by``, the steps of the same worker that come next in the
chain (the driver's SetDISKBoot, PowerCycle, PowerStatus), with the attempts they will have. The
worker runs them in order, stops at the first failure, and reports the results in one message
(``message`` and ``followed_by`` again): one broker round trip for the run instead of one each.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from bmp_common.messages import Message

# -- names -----------------------------------------------------------------------------------

# Celery tasks: the scheduler hands a step to the driver or the dhcp-agent of its IDC (queues
# ``driver.<idc_id>`` and ``dhcp.<idc_id>``); they answer with STEP_RESULT_TASK.
DRIVER_RUN_STEP_TASK = "bmp.driver.run_step"
DHCP_RUN_STEP_TASK = "bmp.dhcp.run_step"
STEP_RESULT_TASK = "bmp.scheduler.step_result"

# -- results ---------------------------------------------------------------------------------

# A step's outcome (``StepResult.status``, and the LiveOS agent's result ``status``).
STEP_OK = "ok"
STEP_FAILED = "failed"

# The driver's status codes (``StepResult.error``) that another attempt cannot fix and would make
# worse: the BMC refused the user name or password, or the user's privilege. Real BMCs lock an
# account after a few failed logins (often three), so a retry can turn a typo into a lockout of
# every tool that uses the account. The scheduler fails such a step at once, whatever its
# attempts left; every other failure (no answer, a refused command) keeps its retries.
USERNAME_OR_PASSWORD_ERROR = "USERNAME_OR_PASSWORD_ERROR"  # noqa: S105 (a status code)
USER_PRIVILEGE_ERROR = "USER_PRIVILEGE_ERROR"
BMC_CREDENTIAL_ERRORS = frozenset({USERNAME_OR_PASSWORD_ERROR, USER_PRIVILEGE_ERROR})


@dataclasses.dataclass(frozen=True, kw_only=True)
class StepDispatch(Message):
    SCHEMA: ClassVar[str] = "bmp.step.dispatch"
    VERSION: ClassVar[int] = 1

    step_id: int
    attempt: int
    action: str
    idc_id: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, kw_only=True)
class StepResult(Message):
    SCHEMA: ClassVar[str] = "bmp.step.result"
    VERSION: ClassVar[int] = 1

    step_id: int
    attempt: int
    status: str  # STEP_OK or STEP_FAILED
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    error: str | None = None

    def __post_init__(self):
        if self.status not in (STEP_OK, STEP_FAILED):
            raise ValueError(f"step status must be {STEP_OK!r} or {STEP_FAILED!r}")


def send_step_result(app, dispatch: StepDispatch, outcome) -> None:
    """Answers ``dispatch`` to the scheduler with ``outcome`` (its ``status``, ``data`` and
    ``error``), keyed by the dispatch's step and attempt: what every step worker does last."""
    send_step_results(app, [(dispatch, outcome)])


def send_step_results(app, answered: list[tuple[StepDispatch, object]]) -> None:
    """The results of a run, in the order its steps ran, in one message."""
    results = [
        StepResult(
            step_id=dispatch.step_id,
            attempt=dispatch.attempt,
            status=outcome.status,
            data=outcome.data,
            error=outcome.error,
        ).to_wire()
        for dispatch, outcome in answered
    ]
    kwargs = {"message": results[0]}
    if len(results) > 1:
        kwargs["followed_by"] = results[1:]
    app.send_task(STEP_RESULT_TASK, kwargs=kwargs)


def receive_step(idc_id, message, unexpected: dict, *, worker: str, log) -> StepDispatch | None:
    """The dispatch a step worker's task was given, or None (logged) when it is malformed: a bad
    message is dropped, never retried forever. ``idc_id`` must be a usable IDC id too."""
    from bmp_common.messages import MessageSchemaError
    from bmp_common.queues import driver_queue

    try:
        dispatch = StepDispatch.from_wire(message)
        driver_queue(idc_id)  # the IDC id rule every per-IDC queue follows, or ValueError
    except (MessageSchemaError, ValueError) as exc:
        log.error("dropping a malformed %s step for IDC %r: %s", worker, idc_id, exc)
        return None
    if unexpected:
        log.warning("step %s: ignoring unknown arguments %s", dispatch.step_id, sorted(unexpected))
    return dispatch


def receive_run(
    idc_id, message, followed_by, unexpected: dict, *, worker: str, log
) -> list[StepDispatch]:
    """The dispatches of a run (``message`` and ``followed_by``), or [] when the first is
    malformed. A malformed follower ends the run there: the scheduler dispatches the steps it
    has no result for again, one by one."""
    from bmp_common.messages import MessageSchemaError

    first = receive_step(idc_id, message, unexpected, worker=worker, log=log)
    if first is None:
        return []
    run = [first]
    for follower in followed_by or []:
        try:
            run.append(StepDispatch.from_wire(follower))
        except MessageSchemaError as exc:
            log.error("step %s: dropping a malformed follower: %s", first.step_id, exc)
            break
    return run

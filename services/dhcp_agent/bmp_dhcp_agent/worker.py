"""The dhcp-agent's Celery worker: it runs DHCP steps of its IDC and reports every result.

Task ``bmp.dhcp.run_step(idc_id, message)`` (queue ``dhcp.<idc_id>``) decodes a ``StepDispatch``,
runs the action on the IDC's host table and sends ``bmp.scheduler.step_result`` with the
``StepResult``. Unlike upstream (fire-and-forget), every command is answered. A message that
cannot be decoded is logged and dropped: there is no step to answer.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from kombu.exceptions import OperationalError

from bmp_common.celery import make_celery
from bmp_common.messages.steps import (
    DHCP_RUN_STEP_TASK,
    StepDispatch,
    receive_step,
    send_step_result,
)
from bmp_dhcp_agent.actions import Outcome, run_action
from bmp_dhcp_agent.hosts import HostTable, table_path

log = logging.getLogger(__name__)

app = make_celery("dhcp")


_tables: dict[Path, HostTable] = {}
_tables_lock = threading.Lock()


def host_table(idc_id: str) -> HostTable:
    """The process-wide table of ``idc_id`` (one connection, shared by the worker's threads)."""
    path = table_path(idc_id)
    with _tables_lock:
        if path not in _tables:
            _tables[path] = HostTable(path)
        return _tables[path]


def execute(idc_id: str, dispatch: StepDispatch) -> Outcome:
    """The outcome of one dispatched step; unexpected errors become a failed outcome too."""
    if dispatch.idc_id != idc_id:
        return Outcome.failed(
            f"step {dispatch.step_id} is for IDC {dispatch.idc_id!r} but reached the "
            f"dhcp-agent of IDC {idc_id!r}"
        )
    try:
        return run_action(host_table(idc_id), dispatch.action, dispatch.params)
    except Exception:
        log.exception("DHCP step %s (%s) failed unexpectedly", dispatch.step_id, dispatch.action)
        return Outcome.failed(f"the dhcp-agent failed to run {dispatch.action} (see its log)")


@app.task(
    name=DHCP_RUN_STEP_TASK,
    # Only the report can fail on the broker; re-running the action is idempotent.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def run_step(idc_id=None, message=None, **unexpected) -> None:
    dispatch = receive_step(idc_id, message, unexpected, worker="DHCP", log=log)
    if dispatch is None:
        return
    outcome = execute(idc_id, dispatch)
    step = (dispatch.step_id, dispatch.attempt, dispatch.action)
    if outcome.error:
        log.warning("DHCP step %s attempt %s %s failed: %s", *step, outcome.data.get("message"))
    else:
        log.info("DHCP step %s attempt %s %s: ok", *step)
    send_step_result(app, dispatch, outcome)

"""The real task on the real broker: a StepDispatch in on dhcp.<idc>, a StepResult out."""

import itertools
import os
import subprocess
import sys
import uuid

import pytest

from bmp_common.messages.steps import StepDispatch, StepResult
from bmp_common.queues import dhcp_queue
from bmp_common.testing import broker
from bmp_common.testing.broker import step_worker
from bmp_dhcp_agent.hosts import HostTable, table_path
from bmp_dhcp_agent.worker import app

IDC = f"idc-dhcp-{uuid.uuid4().hex[:8]}"
MAC = "52:54:00:00:00:01"
_step_ids = itertools.count(1000)


@pytest.fixture(scope="module")
def worker():
    with step_worker(app, dhcp_queue(IDC), concurrency=2) as running:
        yield running


@pytest.fixture
def scheduler_queue():
    with broker.scheduler_queue(app) as queue:
        yield queue


def send_step(action, params, *, idc_id=IDC, step_idc=None, attempt=1) -> StepDispatch:
    step = StepDispatch(
        step_id=next(_step_ids),
        attempt=attempt,
        action=action,
        idc_id=step_idc or idc_id,
        params=params,
    )
    app.send_task("bmp.dhcp.run_step", kwargs={"idc_id": idc_id, "message": step.to_wire()})
    return step


def next_result(queue, timeout=15) -> StepResult:
    received = queue.get(timeout=timeout)
    received.ack()
    assert received.headers["task"] == "bmp.scheduler.step_result"
    _args, kwargs, _embed = received.payload
    return StepResult.from_wire(kwargs["message"])


def test_a_dispatched_add_host_changes_the_table_and_is_answered(
    worker, scheduler_queue, state_dir
):
    step = send_step("DHCPConfigAddHost", {"ip": "10.0.0.5", "mac": MAC}, attempt=2)

    result = next_result(scheduler_queue)

    assert (result.step_id, result.attempt, result.status, result.error) == (
        step.step_id,
        2,
        "ok",
        None,
    )
    assert result.data["host"] == {"mac": MAC, "ip": "10.0.0.5", "hostname": None}
    with HostTable(table_path(IDC)) as table:  # what the DHCP server will read
        assert table.lookup(MAC).host.ip == "10.0.0.5"
        assert table.version() == result.data["version"] == 1


def test_a_refused_change_is_answered_as_failed_with_a_sentence(worker, scheduler_queue, state_dir):
    send_step("DHCPConfigAddHost", {"ip": "10.0.0.5", "mac": MAC})
    conflict = send_step("DHCPConfigAddHost", {"ip": "10.0.0.5", "mac": "52:54:00:00:00:02"})

    results = {r.step_id: r for r in (next_result(scheduler_queue), next_result(scheduler_queue))}

    refused = results[conflict.step_id]
    assert (refused.status, refused.error) == ("failed", "ERROR")
    assert refused.data["message"].startswith(f"IP 10.0.0.5 is already reserved for MAC {MAC}")


def test_a_step_for_another_idc_is_answered_as_failed(worker, scheduler_queue, state_dir):
    step = send_step("DHCPConfigDelSubnet", {"subnet": "10.0.0.0"}, step_idc="idc-elsewhere")

    result = next_result(scheduler_queue)

    assert (result.step_id, result.status, result.error) == (step.step_id, "failed", "ERROR")
    assert "is for IDC 'idc-elsewhere'" in result.data["message"]


def test_malformed_messages_are_dropped_and_the_worker_keeps_going(
    worker, scheduler_queue, state_dir
):
    for garbage in ("not a message", {"schema": "bmp.step.dispatch", "version": 9, "body": {}}):
        app.send_task("bmp.dhcp.run_step", kwargs={"idc_id": IDC, "message": garbage})
    app.send_task("bmp.dhcp.run_step", kwargs={"idc_id": IDC})  # no message at all
    step = send_step("DHCPConfigAddSubnet", {"subnet": "10.9.0.0", "subnet_mask": "16"})

    result = next_result(scheduler_queue)

    assert (result.step_id, result.status) == (step.step_id, "ok")
    assert result.data["subnet"]["mask"] == "255.255.0.0"
    with pytest.raises(scheduler_queue.Empty):  # the garbage produced no result at all
        scheduler_queue.get(timeout=1)


@pytest.mark.slow
def test_the_entry_point_runs_a_worker_on_the_idc_queue(scheduler_queue, state_dir):
    idc = f"idc-main-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [sys.executable, "-m", "bmp_dhcp_agent", "--idc", idc, "--concurrency", "1"],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        step = send_step(
            "DHCPConfigAddHost", {"ip": "10.1.0.5", "mac": MAC}, idc_id=idc, step_idc=idc
        )
        result = next_result(scheduler_queue, timeout=60)
        assert (result.step_id, result.status) == (step.step_id, "ok")
        assert (state_dir / f"hosts-{idc}.sqlite3").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"dhcp-agent: IDC {idc}, queue dhcp.{idc}" in output


def test_the_entry_point_refuses_a_bad_idc_id():
    finished = subprocess.run(
        [sys.executable, "-m", "bmp_dhcp_agent", "--idc", "../x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "invalid IDC id" in finished.stderr

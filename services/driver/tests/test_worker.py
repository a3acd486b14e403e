"""The real task on the real broker: a StepDispatch in on driver.<idc>, a StepResult out."""

from __future__ import annotations

import itertools
import uuid

import pytest

from bmp_common.crypto import encrypt_secret
from bmp_common.messages.steps import StepDispatch, StepResult
from bmp_common.queues import driver_queue
from bmp_common.testing import broker
from bmp_common.testing.broker import step_worker
from bmp_driver.__main__ import main
from bmp_driver.worker import app

IDC = f"idc-driver-{uuid.uuid4().hex[:8]}"
_step_ids = itertools.count(5000)


@pytest.fixture(scope="module")
def worker():
    with step_worker(app, driver_queue(IDC), concurrency=4) as running:
        yield running


@pytest.fixture
def scheduler_queue():
    with broker.scheduler_queue(app) as queue:
        yield queue


def bmc_params(server, password: str, **extra) -> dict:
    bmc = {
        "address": server.bmc_address,
        "port": server.bmc_port,
        "username": "admin",
        "password_encrypted": encrypt_secret(password),
        "interface": "native",
    }
    return {"bmc": {**bmc, **extra}}


def send_step(action, params, *, step_id=None, attempt=1) -> StepDispatch:
    step = StepDispatch(
        step_id=step_id or next(_step_ids),
        attempt=attempt,
        action=action,
        idc_id=IDC,
        params=params,
    )
    app.send_task("bmp.driver.run_step", kwargs={"idc_id": IDC, "message": step.to_wire()})
    return step


def next_result(queue, timeout=20) -> StepResult:
    received = queue.get(timeout=timeout)
    received.ack()
    assert received.headers["task"] == "bmp.scheduler.step_result"
    _args, kwargs, _embed = received.payload
    return StepResult.from_wire(kwargs["message"])


def plain(data: dict) -> dict:
    """A result's data without the BMC calls it reports for the job's timeline."""
    return {key: value for key, value in data.items() if key != "bmc_calls"}


def calls(data: dict) -> list[tuple]:
    return [(c["call"], c["backend"], c["result"], c.get("count", 1)) for c in data["bmc_calls"]]


def test_a_dispatched_power_on_turns_the_server_on_and_is_answered(
    worker, scheduler_queue, server, password
):
    step = send_step("PowerOn", bmc_params(server, password), attempt=2)

    result = next_result(scheduler_queue)

    assert (result.step_id, result.attempt, result.status, result.error) == (
        step.step_id,
        2,
        "ok",
        None,
    )
    assert plain(result.data) == {"power": "on"}
    assert server.power == "on"
    # For the job's timeline: each BMC call, the confirmation polls as one entry with a count.
    assert calls(result.data)[0] == ("power on", "native", "ok", 1)
    assert [c[:3] for c in calls(result.data)[1:]] == [("power status", "native", "ok")]
    assert all(0 <= c["durationS"] < 5 for c in result.data["bmc_calls"])


def test_the_ipmitool_interface_is_used_when_asked(worker, scheduler_queue, server, password):
    send_step("PowerStatus", bmc_params(server, password, interface="ipmitool"))
    result = next_result(scheduler_queue)
    assert plain(result.data) == {"power": "off"}
    assert calls(result.data) == [("power status", "ipmitool", "ok", 1)]


def test_a_wrong_password_is_answered_with_its_status_code(
    worker, scheduler_queue, server, password
):
    send_step("PowerOn", bmc_params(server, password + "-stale"))

    result = next_result(scheduler_queue)

    assert (result.status, result.error) == ("failed", "USERNAME_OR_PASSWORD_ERROR")
    assert password not in result.data["message"]
    assert calls(result.data) == [("power on", "native", "USERNAME_OR_PASSWORD_ERROR", 1)]
    assert server.power == "off"


def test_a_redelivered_step_is_answered_again_without_a_second_reboot(
    worker, scheduler_queue, server, password
):
    server.node.power_up()
    step = send_step("PowerCycle", bmc_params(server, password))
    first = next_result(scheduler_queue)
    send_step("PowerCycle", bmc_params(server, password), step_id=step.step_id)
    again = next_result(scheduler_queue)

    assert first == again and plain(first.data) == {"power": "on"}
    assert server.node.boot_count == 2  # the power-up, then one cycle


def test_an_action_opens_one_session_on_the_bmc(worker, scheduler_queue, server, password):
    server.node.power_up()
    opened = server.bmc.stats["sessions"]
    send_step("PowerCycle", bmc_params(server, password))  # status, cycle, confirmation polls
    assert plain(next_result(scheduler_queue).data) == {"power": "on"}
    assert server.bmc.stats["sessions"] - opened == 1


def _wire(action, params, step_id, attempt=1) -> dict:
    return StepDispatch(
        step_id=step_id, attempt=attempt, action=action, idc_id=IDC, params=params
    ).to_wire()


def _run_results(queue) -> list[StepResult]:
    received = queue.get(timeout=20)
    received.ack()
    _args, kwargs, _embed = received.payload
    return [StepResult.from_wire(w) for w in [kwargs["message"], *kwargs.get("followed_by", [])]]


def test_a_run_is_done_in_order_and_answered_in_one_message(
    worker, scheduler_queue, server, password
):
    params = bmc_params(server, password)
    first, _, _ = (next(_step_ids) for _ in range(3))  # three ids of their own
    followers = [_wire("PowerCycle", params, first + 1), _wire("PowerStatus", params, first + 2)]
    kwargs = {"idc_id": IDC, "message": _wire("PowerOn", params, first), "followed_by": followers}
    app.send_task("bmp.driver.run_step", kwargs=kwargs)

    results = _run_results(scheduler_queue)

    assert [(r.step_id, r.status, plain(r.data)) for r in results] == [
        (first, "ok", {"power": "on"}),
        (first + 1, "ok", {"power": "on"}),
        (first + 2, "ok", {"power": "on"}),
    ]
    assert server.node.boot_count == 2  # on, then one cycle


def test_a_run_stops_at_its_first_failure(worker, scheduler_queue, server, password):
    good, bad = bmc_params(server, password), bmc_params(server, password + "-stale")
    first, _, _ = (next(_step_ids) for _ in range(3))
    followers = [_wire("PowerOn", bad, first + 1), _wire("PowerStatus", good, first + 2)]
    kwargs = {"idc_id": IDC, "message": _wire("PowerStatus", good, first), "followed_by": followers}
    app.send_task("bmp.driver.run_step", kwargs=kwargs)

    results = _run_results(scheduler_queue)

    assert [(r.step_id, r.status, r.error) for r in results] == [
        (first, "ok", None),
        (first + 1, "failed", "USERNAME_OR_PASSWORD_ERROR"),
    ]
    assert server.power == "off"


def test_malformed_messages_are_dropped_and_the_worker_keeps_going(
    worker, scheduler_queue, server, password
):
    app.send_task("bmp.driver.run_step", kwargs={"idc_id": IDC, "message": {"schema": "junk"}})
    app.send_task("bmp.driver.run_step", kwargs={"idc_id": IDC, "message": "not even a dict"})
    bad_params = send_step("PowerOn", {"bmc": {"address": server.bmc_address}})
    undecryptable = send_step(
        "PowerOn", bmc_params(server, password, password_encrypted="not-fernet")
    )
    good = send_step("PowerStatus", bmc_params(server, password))

    results = {r.step_id: r for r in (next_result(scheduler_queue) for _ in range(3))}

    assert plain(results[good.step_id].data) == {"power": "off"}
    assert results[bad_params.step_id].error == "ERROR"
    assert "params.bmc.username" in results[bad_params.step_id].data["message"]
    assert "cannot be decrypted" in results[undecryptable.step_id].data["message"]
    with pytest.raises(scheduler_queue.Empty):  # nothing at all for the two junk messages
        scheduler_queue.get(timeout=1)


def test_the_command_line_refuses_a_bad_idc_id(capsys):
    with pytest.raises(SystemExit):
        main(["--idc", "not an id!"])
    assert "invalid IDC id" in capsys.readouterr().err

"""The one-thread RMCP+ fan-out against lab BMCs: the same answers and errors as the native
backend, each BMC's error in its place, and no session left open on the BMCs."""

from __future__ import annotations

import time

from bmp_driver.backends import native, rmcpplus
from bmp_driver.backends.base import BmcCredentials, CallPolicy, DriverError
from bmp_driver.fanout import power_status_many
from bmp_lab.fleet import Fleet

from .conftest import FAST, credentials, wait_until


def test_each_bmc_answers_its_own_power_state(password):
    with Fleet(12, base_port=0, username="admin", password=password) as fleet:
        for server in fleet.nodes[::3]:
            server.node.power_up()
        targets = [credentials(server, password) for server in fleet.nodes]

        results = rmcpplus.power_status_many(targets, concurrency=5, policy=FAST)

        assert results == [server.power for server in fleet.nodes]
        assert results.count("on") == 4
        # Each session was closed (Close Session sent once the status was read).
        assert wait_until(lambda: all(not s.bmc.sessions for s in fleet.nodes))


def test_errors_stay_with_their_bmc(fleet, password, silent_port):
    wrong, operator_only, fine = fleet.nodes
    wrong.set_wrong_password(True)
    operator_only.set_privilege("operator")
    targets = [
        credentials(wrong, password),
        credentials(operator_only, password),
        BmcCredentials("127.0.0.1", silent_port, "admin", password),
        credentials(fine, password, username="nobody"),
        credentials(fine, password),
    ]

    results = power_status_many(targets, policy=FAST)

    codes = [r.code if isinstance(r, DriverError) else r for r in results]
    assert codes == [
        "USERNAME_OR_PASSWORD_ERROR",
        "USER_PRIVILEGE_ERROR",
        "PING_ILOIP_ERROR",
        "USERNAME_OR_PASSWORD_ERROR",
        "off",
    ]
    assert str(results[2]) == f"the BMC at 127.0.0.1:{silent_port} does not answer (IPMI over UDP)"
    # A refused password is not tried again (a retry counts towards the account's lockout).
    assert wrong.bmc.stats["logins"] == 1


def test_the_errors_read_as_the_native_backends(fleet, password):
    fleet.nodes[0].set_wrong_password(True)
    fleet.nodes[1].set_privilege("operator")
    for server in fleet.nodes[:2]:
        target = credentials(server, password)
        (fanned,) = rmcpplus.power_status_many([target], policy=FAST)
        try:
            native.NativeBackend(target, FAST).power_status()
        except DriverError as exc:
            alone = exc
        assert (type(fanned), str(fanned)) == (type(alone), str(alone))


def test_a_bmc_that_does_not_answer_is_tried_policy_attempts_times(fleet, password):
    server = fleet.nodes[0]
    server.set_loss(1.0)
    policy = CallPolicy(timeout=0.2, attempts=3, backoff=0.05, deadline=5)
    began = time.monotonic()

    (result,) = rmcpplus.power_status_many([credentials(server, password)], policy=policy)

    assert isinstance(result, DriverError) and result.code == "PING_ILOIP_ERROR"
    # Get Channel Auth Caps, sent again once, per try.
    assert server.bmc.stats["received"] == 6
    assert 1.2 <= time.monotonic() - began < 3.0  # 6 timeouts and pauses of 0.05 and 0.1 s


def test_a_lost_reply_costs_a_retry_not_the_answer(fleet, password):
    server = fleet.nodes[0]
    server.set_loss(0.3)
    policy = CallPolicy(timeout=0.2, attempts=12, backoff=0.01, deadline=10)

    (result,) = rmcpplus.power_status_many([credentials(server, password)], policy=policy)

    assert result == "off"


def test_the_suite_the_bmc_accepts_is_remembered_and_tried_first(fleet, password):
    native.forget_suites()
    server = fleet.nodes[0]
    target = credentials(server, password)
    assert rmcpplus.power_status_many([target], policy=FAST) == ["off"]
    assert native.accepted_suite(server.bmc_address, server.bmc_port) == 3
    # The lab runs suite 3 only: the native backend now opens with it, as the fan-out will.
    assert native.NativeBackend(target, FAST).power_status() == "off"


def test_the_same_bmc_twice_runs_one_session_at_a_time(fleet, password):
    target = credentials(fleet.nodes[0], password)
    assert rmcpplus.power_status_many([target] * 4, policy=FAST) == ["off"] * 4

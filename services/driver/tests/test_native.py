"""The native backend's cipher-suite negotiation: 17 first, 3 when refused, remembered; and
suite 17 itself, against a BMC that runs it."""

from __future__ import annotations

from bmp_driver.backends import rmcpplus
from bmp_driver.backends.native import NativeBackend, accepted_suite, forget_suites
from bmp_lab.fleet import Fleet

from .conftest import FAST, credentials


def test_suite_17_refusal_falls_back_to_3_and_is_remembered(server, password):
    forget_suites()
    backend = NativeBackend(credentials(server, password), FAST)
    address, port = server.bmc_address, server.bmc_port
    assert accepted_suite(address, port) is None

    backend.power_status()
    first = server.bmc.stats["received"]
    backend.power_status()
    second = server.bmc.stats["received"] - first

    assert accepted_suite(address, port) == 3
    # The first call asked for suite 17 (an Open Session Request refused with 0x11) before
    # suite 3, in the same handshake; the second goes to suite 3 at once: one packet fewer.
    assert second == first - 1


def test_every_bmc_is_remembered_on_its_own(fleet, password):
    forget_suites()
    first, second = fleet.nodes[0], fleet.nodes[1]
    NativeBackend(credentials(first, password), FAST).power_status()

    assert accepted_suite(first.bmc_address, first.bmc_port) == 3
    assert accepted_suite(second.bmc_address, second.bmc_port) is None


def test_a_session_serves_several_commands(server, password):
    backend = NativeBackend(credentials(server, password), FAST)
    with backend.session() as ipmi:
        ipmi.chassis_control_power_up()
        assert ipmi.get_chassis_status().power_on is True
    assert server.power == "on"


def test_a_bmc_that_runs_suite_17_is_spoken_to_in_suite_17(password):
    """Both in-process backends open a suite-17 session and read the power state: their K1 and
    K2 are the ones ipmitool derives (the lab's suite-17 BMC is checked with ipmitool -C 17 in
    bmp_lab's tests; python-ipmi's own derivation is replaced, see native.KEY_CONSTANT_LENGTH)."""
    with Fleet(1, base_port=0, username="admin", password=password, cipher_suites=(17, 3)) as fleet:
        server = fleet.nodes[0]
        target = credentials(server, password)
        address, port = server.bmc_address, server.bmc_port

        forget_suites()
        assert NativeBackend(target, FAST).power_status() == "off"
        assert accepted_suite(address, port) == 17
        with NativeBackend(target, FAST).session() as ipmi:
            ipmi.chassis_control_power_up()
        assert server.power == "on"

        forget_suites()
        assert rmcpplus.power_status_many([target], policy=FAST) == ["on"]
        assert accepted_suite(address, port) == 17

"""Driver step actions on a virtual BMC: the outcome and the power/boot state the BMC reports."""

from __future__ import annotations

import time

import pytest

from bmp_driver.actions import Timing, run_action
from bmp_driver.backends import make_backend

from .conftest import FAST, QUICK_TIMING, credentials


def run(backend, action, params=None, timing=QUICK_TIMING):
    return run_action(backend, action, params or {}, timing)


def test_set_pxe_boot_powers_an_off_server_on_into_pxe(backend, server):
    outcome = run(backend, "SetPXEBoot")

    assert (outcome.status, outcome.error, outcome.data["power"]) == ("ok", None, "on")
    assert server.node.booted_from == "pxe"
    assert server.node.boot_valid is False  # one-time override, consumed by that boot


def test_set_pxe_boot_resets_a_running_server_into_pxe(backend, server):
    backend.power_on()
    boots = server.node.boot_count

    outcome = run(backend, "SetPXEBoot", {"boot_mode": "uefi"})

    assert outcome.data["power"] == "on"
    assert server.node.boot_count == boots + 1
    assert (server.node.booted_from, server.node.boot_efi) == ("pxe", True)


def test_set_disk_boot_is_persistent_and_reports_power(backend, server):
    outcome = run(backend, "SetDISKBoot")

    assert outcome.data == {"power": "off", "boot_device": "disk"}
    assert (server.node.boot_device, server.node.boot_persistent) == ("disk", True)
    run(backend, "PowerOn")
    assert server.node.booted_from == "disk"


def test_power_on_twice_is_on_once(backend, server):
    assert run(backend, "PowerOn").data["power"] == "on"
    assert run(backend, "PowerOn").data["power"] == "on"
    assert server.node.boot_count == 1


def test_power_off_lets_the_os_shut_down_first(backend, server):
    backend.power_on()
    server.node.soft_off_delay = 0.1

    outcome = run(backend, "PowerOff")

    assert outcome.data == {"power": "off", "soft": True}
    assert server.power == "off"


def test_power_off_goes_hard_after_the_grace_when_the_os_ignores_acpi(backend, server):
    backend.power_on()
    server.node.soft_off_delay = None
    # The grace is what a user waits for; the confirm timeout is set ten times longer, so that
    # hard off after the grace (about a second here, ipmitool calls included) and after the
    # wrong wait (30 s, or the default grace of 30 s) stay apart on a loaded machine too.
    timing = Timing(soft_off_grace=0.3, confirm_timeout=30, poll_interval=0.05)

    started = time.monotonic()
    outcome = run(backend, "PowerOff", timing=timing)

    assert outcome.data == {"power": "off", "soft": False}
    assert server.power == "off"
    assert 0.3 <= time.monotonic() - started < 15


def test_power_off_of_a_server_that_is_off_changes_nothing(backend, server):
    assert run(backend, "PowerOff").data == {"power": "off"}
    assert server.node.boot_count == 0


@pytest.mark.parametrize("action", ["PowerReset", "PowerCycle"])
def test_reset_and_cycle_power_an_off_server_on(backend, server, action):
    assert run(backend, action).data["power"] == "on"
    assert server.node.boot_count == 1


@pytest.mark.parametrize("action", ["PowerReset", "PowerCycle"])
def test_reset_and_cycle_reboot_a_running_server(backend, server, action):
    backend.power_on()
    assert run(backend, action).data["power"] == "on"
    assert server.node.boot_count == 2


def test_power_status_reports_what_the_bmc_says(backend, server):
    assert run(backend, "PowerStatus").data == {"power": "off"}
    server.node.power_up()
    assert run(backend, "PowerStatus").data == {"power": "on"}


def test_check_init_config_accepts_an_administrator(backend):
    outcome = run(backend, "CheckInitConfig", {"privilege": "administrator"})
    assert outcome.data == {"privilege": "administrator", "power": "off"}


def test_check_init_config_reports_a_missing_privilege(backend, server):
    server.set_privilege("operator")
    outcome = run(backend, "CheckInitConfig", {"privilege": "administrator"})
    assert (outcome.status, outcome.error) == ("failed", "USER_PRIVILEGE_ERROR")
    assert "privilege" in outcome.data["message"]


def test_a_wrong_password_fails_with_its_code_and_no_secret(interface, server, password):
    backend = make_backend(interface, credentials(server, password + "-old"), FAST)

    outcome = run(backend, "SetPXEBoot")

    assert (outcome.status, outcome.error) == ("failed", "USERNAME_OR_PASSWORD_ERROR")
    assert outcome.data["message"].startswith("SetPXEBoot failed: the BMC at 127.0.0.1:")
    assert password not in outcome.data["message"]
    assert server.power == "off"


def test_an_unknown_action_fails_with_error(backend):
    outcome = run(backend, "FormatTheMoon")
    assert (outcome.status, outcome.error) == ("failed", "ERROR")
    assert "FormatTheMoon" in outcome.data["message"]

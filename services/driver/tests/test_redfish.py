"""The Redfish backend against the lab's Redfish BMC: sushy-tools' emulator (its Flask app, over
https with the lab's own CA) acting on the same virtual nodes the IPMI BMCs drive. No mocks."""

from __future__ import annotations

import itertools

import pytest

pytest.importorskip("sushy")
pytest.importorskip("sushy_tools")

from bmp_common.crypto import encrypt_secret
from bmp_common.messages.steps import StepDispatch
from bmp_driver.actions import Timing, run_action
from bmp_driver.backends import forget_probes, make_backend, resolve_interface
from bmp_driver.backends.base import (
    BmcAuthError,
    BmcCredentials,
    BmcUnreachableError,
    DriverError,
)
from bmp_driver.worker import execute
from bmp_lab.fleet import Fleet

from .conftest import FAST, credentials

QUICK = Timing(soft_off_grace=0.6, confirm_timeout=3, poll_interval=0.05)
IDC = "idc-redfish-tests"
_step_ids = itertools.count(9000)


@pytest.fixture
def fleet(password, tmp_path):
    """LAB-0001 IPMI only; LAB-0002 and LAB-0003 behind one Redfish emulator (state: tmp_path)."""
    with Fleet(
        3,
        base_port=0,
        username="admin",
        password=password,
        redfish={2: "redfish", 3: "auto"},
        state_dir=tmp_path,
    ) as running:
        yield running


@pytest.fixture
def server(fleet):
    return fleet.nodes[1]


def redfish_credentials(server, password, username="admin") -> BmcCredentials:
    return BmcCredentials(server.redfish.address, server.redfish_port, username, password)


@pytest.fixture
def rf(server, password):
    """The Redfish backend of LAB-0002, trusting the lab's CA."""
    return make_backend(
        "redfish",
        redfish_credentials(server, password),
        FAST,
        verify=str(server.redfish.ca_path),
        system=server.sn,
    )


def run(backend, action, params=None):
    with backend.held_session():
        return run_action(backend, action, params or {}, QUICK)


# -- power and boot: the node the IPMI BMC drives ----------------------------------------------
def test_set_pxe_boot_powers_an_off_server_on_into_pxe_once(rf, server):
    outcome = run(rf, "SetPXEBoot", {"boot_mode": "uefi"})

    assert (outcome.status, outcome.error, outcome.data) == (
        "ok",
        None,
        {"power": "on", "boot_device": "pxe"},
    )
    assert (server.node.booted_from, server.node.boot_efi) == ("pxe", True)
    assert server.node.boot_valid is False  # "Once": consumed by that boot
    assert rf.get_boot_device().valid is False


def test_set_pxe_boot_restarts_a_running_server(rf, server):
    run(rf, "PowerOn")
    boots = server.node.boot_count

    outcome = run(rf, "SetPXEBoot", {"boot_mode": "bios"})

    assert outcome.data["power"] == "on"
    assert server.node.boot_count == boots + 1
    assert (server.node.booted_from, server.node.boot_efi) == ("pxe", False)


def test_set_disk_boot_is_persistent(rf, server):
    outcome = run(rf, "SetDISKBoot", {"boot_mode": "uefi"})

    assert outcome.data == {"power": "off", "boot_device": "disk"}
    setting = rf.get_boot_device()
    assert (setting.device, setting.persistent, setting.efi, setting.valid) == (
        "disk",
        True,
        True,
        True,
    )
    run(rf, "PowerOn")
    run(rf, "PowerCycle")
    assert (server.node.booted_from, server.node.boot_valid) == ("disk", True)  # still set


def test_power_off_lets_the_os_shut_down_first(rf, server):
    run(rf, "PowerOn")
    server.node.soft_off_delay = 0.1

    assert run(rf, "PowerOff").data == {"power": "off", "soft": True}
    assert server.power == "off"


def test_power_off_is_hard_when_the_os_ignores_the_button(rf, server):
    run(rf, "PowerOn")
    server.node.soft_off_delay = None

    assert run(rf, "PowerOff").data == {"power": "off", "soft": False}
    assert server.power == "off"


def test_reset_and_cycle_boot_again_and_power_on_an_off_server(rf, server):
    assert run(rf, "PowerReset").data == {"power": "on"}  # off: powered on
    assert run(rf, "PowerCycle").data == {"power": "on"}
    assert run(rf, "PowerReset").data == {"power": "on"}
    assert server.node.boot_count == 3
    assert run(rf, "PowerStatus").data == {"power": "on"}


def test_what_ipmi_does_redfish_sees(rf, server, password):
    """One node, two BMCs: an IPMI power-on shows over Redfish, a Redfish off over IPMI."""
    ipmi = make_backend("native", credentials(server, password), FAST)

    ipmi.power_on()
    assert rf.power_status() == "on"
    rf.power_off()
    assert ipmi.power_status() == "off"


# -- inventory -----------------------------------------------------------------------------------
def test_inventory_names_the_server(rf, server):
    assert rf.fru_inventory().serial == server.sn
    inventory = rf.system_inventory()
    assert inventory["serial"] == server.sn
    assert inventory["nics"] == [{"id": server.mac.replace(":", ""), "mac": server.mac}]
    assert (inventory["cpus"], inventory["memory_gib"], inventory["power"]) == (8, 16, "off")


def test_a_bmc_with_several_systems_needs_the_sn(fleet, password):
    server = fleet.nodes[2]
    plain = make_backend(
        "redfish",
        redfish_credentials(server, password),
        FAST,
        verify=str(server.redfish.ca_path),
        system="LAB-9999",
    )
    with pytest.raises(DriverError, match="manages 2 systems and none is 'LAB-9999'"):
        plain.power_status()

    right = make_backend(
        "redfish",
        redfish_credentials(server, password),
        FAST,
        verify=str(server.redfish.ca_path),
        system=server.sn,
    )
    right.power_on()
    assert (server.power, fleet.nodes[1].power) == ("on", "off")


# -- the SEL: the same records the IPMI backend reads ---------------------------------------------
def _facts(events):
    return [
        # the event's offset (Redfish has no place for the threshold reading bytes)
        (
            e.record_id,
            e.timestamp,
            e.sensor_type,
            e.sensor_number,
            e.event_type,
            e.event_data[0] & 15,
        )
        for e in events
    ]


def test_the_sel_comes_out_as_the_ipmi_records(rf, server, password):
    server.node.add_named_event("Memory", "Uncorrectable ECC")
    server.node.add_named_event("Power Supply", "Failure detected", deassert=True)
    ipmi = make_backend("native", credentials(server, password), FAST)

    over_ipmi, over_redfish = ipmi.sel_read(None), rf.sel_read(None)

    assert _facts(over_redfish.events) == _facts(over_ipmi.events)
    assert [(e.event, e.direction) for e in over_redfish.events][-2:] == [
        ("Uncorrectable ECC", "Asserted"),
        ("Failure detected", "Deasserted"),
    ]
    info = rf.sel_info()
    assert info.entries == len(server.node.sel)
    assert info.last_add == server.node.sel[-1].timestamp


def test_sel_read_after_a_record_and_after_a_clear(rf, server):
    last = rf.sel_read(None).events[-1].record_id
    server.node.add_named_event("Processor", "IERR")

    newer = rf.sel_read(last)
    assert (newer.found, [e.event for e in newer.events]) == (True, ["IERR"])

    server.node.clear_sel()
    gone = rf.sel_read(last)
    assert (gone.found, gone.events) == (False, [])


# -- refusals ------------------------------------------------------------------------------------
def test_a_wrong_password_fails_at_once_with_one_login(server, password):
    stats = server.redfish.stats
    before = stats["logins"]
    backend = make_backend(
        "redfish",
        redfish_credentials(server, password + "x"),
        FAST,
        verify=str(server.redfish.ca_path),
        system=server.sn,
    )

    with pytest.raises(BmcAuthError, match="refused the user name or password"):
        backend.power_status()
    assert stats["logins"] - before == 1  # not retried: BMCs lock accounts
    outcome = run(backend, "CheckInitConfig")
    assert outcome.error == "USERNAME_OR_PASSWORD_ERROR"


def test_tls_is_verified_against_the_system_cas_by_default(server, password):
    backend = make_backend("redfish", redfish_credentials(server, password), FAST)

    outcome = run(backend, "PowerStatus")

    assert outcome.error == "ERROR"
    assert "TLS certificate that is not trusted" in outcome.data["message"]


def test_plain_http_needs_an_http_url_and_an_explicit_opt_in(password, tmp_path):
    with Fleet(
        1,
        base_port=0,
        username="admin",
        password=password,
        redfish={1: "redfish"},
        state_dir=tmp_path,
        redfish_tls=False,
    ) as lab:
        creds = redfish_credentials(lab.nodes[0], password)
        with pytest.raises(DriverError, match=r"plain http .* is not allowed"):
            make_backend("redfish", creds, FAST, scheme="http")

        backend = make_backend("redfish", creds, FAST, scheme="http", allow_http=True)
        assert backend.power_status() == "off"


def test_no_answer_is_ping_iloip_error(server, password):
    server.redfish.stop()
    backend = make_backend(
        "redfish", redfish_credentials(server, password), FAST, verify=True, timeout=0.5
    )

    with pytest.raises(BmcUnreachableError):
        backend.power_status()


# -- auto, through the worker's step execution ----------------------------------------------------
def _dispatch(action, address, port, password, **bmc) -> StepDispatch:
    return StepDispatch(
        step_id=next(_step_ids),
        attempt=1,
        action=action,
        idc_id=IDC,
        params={
            "bmc": {
                "address": address,
                "port": port,
                "username": "admin",
                "password_encrypted": encrypt_secret(password),
                **bmc,
            }
        },
    )


def test_auto_finds_redfish_and_says_so_in_the_result(fleet, password):
    forget_probes()
    server = fleet.nodes[2]
    ca = server.redfish.ca_path.read_text()
    step = _dispatch(
        "PowerOn",
        server.redfish.address,
        server.redfish_port,
        password,
        interface="auto",
        sn=server.sn,
        ca_bundle=ca,
    )

    outcome = execute(IDC, step)

    data = {key: value for key, value in outcome.data.items() if key != "bmc_calls"}
    assert (outcome.status, data) == ("ok", {"power": "on", "bmc_interface": "redfish"})
    assert {call["backend"] for call in outcome.data["bmc_calls"]} == {"redfish"}
    assert server.power == "on"


def test_auto_falls_back_to_ipmi_where_no_redfish_answers(fleet, password):
    forget_probes()
    server = fleet.nodes[0]
    step = _dispatch(
        "PowerOn", server.bmc_address, server.bmc_port, password, interface="auto", sn=server.sn
    )

    outcome = execute(IDC, step)

    data = {key: value for key, value in outcome.data.items() if key != "bmc_calls"}
    assert (outcome.status, data) == ("ok", {"power": "on", "bmc_interface": "native"})
    assert resolve_interface("auto", credentials(server, password)) == "native"  # remembered


def test_a_redfish_step_without_the_ca_bundle_names_the_fix(fleet, password):
    server = fleet.nodes[1]
    step = _dispatch(
        "PowerOn",
        server.redfish.address,
        server.redfish_port,
        password,
        interface="redfish",
        sn=server.sn,
    )

    outcome = execute(IDC, step)

    assert outcome.error == "ERROR"
    assert "set the IDC's CA bundle" in outcome.data["message"]

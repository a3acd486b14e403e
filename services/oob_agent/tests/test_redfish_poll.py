"""oob-agent's poll of a Redfish BMC (the lab's sushy-tools emulator, TLS with the lab's CA):
the same report, in the same SEL record shape, as the poll of the same server over IPMI."""

from __future__ import annotations

import secrets

import pytest

pytest.importorskip("sushy")
pytest.importorskip("sushy_tools")

from bmp_driver.backends.base import CallPolicy
from bmp_lab.fleet import Fleet
from bmp_oob_agent.poller import poll_device

POLICY = CallPolicy(timeout=1.0, attempts=2, backoff=0.05, deadline=5)


@pytest.fixture
def server(tmp_path):
    password = secrets.token_urlsafe(12)
    with Fleet(
        1, base_port=0, username="admin", password=password, redfish={1: "auto"}, state_dir=tmp_path
    ) as fleet:
        server = fleet.nodes[0]
        server.password = password
        yield server


def target(server, interface: str) -> dict:
    if interface == "native":
        address, port, extra = server.bmc_address, server.bmc_port, {}
    else:
        address, port = server.redfish.address, server.redfish_port
        extra = {"sn": server.sn, "ca_bundle": server.redfish.ca_path.read_text()}
    return {
        "sn": server.sn,
        "deviceId": "d-1",
        "bmc": {
            "address": address,
            "port": port,
            "username": "admin",
            "password_encrypted": server.password,  # "decrypt" below is the identity
            "interface": interface,
            **extra,
        },
    }


def poll(server, interface, state=None):
    return poll_device(target(server, interface), state, policy=POLICY, decrypt=lambda s: s)[0]


def _shape(events):  # Redfish has no place for a threshold's reading bytes
    return [{**e, "event_data": [e["event_data"][0] & 15]} for e in events]


@pytest.mark.parametrize("interface", ["redfish", "auto"])
def test_a_redfish_poll_reports_what_an_ipmi_poll_does(server, interface):
    first = poll(server, interface)
    assert first["ok"] is True, first
    assert _shape(first["events"]) == _shape(poll(server, "native")["events"])  # the baseline

    cursor = {
        "baselined": True,
        "after": first["events"][-1]["record_id"],
        "last_add": first["sel_info"]["last_add"],
        "last_erase": first["sel_info"]["last_erase"],
    }
    server.node.add_named_event("Memory", "Uncorrectable ECC")
    server.node.add_named_event("Fan", "Lower Critical going low", deassert=True)

    over_redfish = poll(server, interface, {"cursor": cursor, "fru_known": True})
    over_ipmi = poll(server, "native", {"cursor": cursor, "fru_known": True})

    assert over_redfish["found"] is True
    assert _shape(over_redfish["events"]) == _shape(over_ipmi["events"])
    assert [(e["sensor_type"], e["event_type"]) for e in over_redfish["events"]] == [
        (0x0C, 0x6F),
        (0x04, 0x81),
    ]
    assert over_redfish["sel_info"]["entries"] == over_ipmi["sel_info"]["entries"]

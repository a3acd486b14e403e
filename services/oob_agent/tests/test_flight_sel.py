"""The SEL records a poll finds after its baseline go to the flight recorder, by the server's SN,
for the timeline of the job running on it; the baseline read (history) does not."""

from __future__ import annotations

import secrets
import time

import pytest

from bmp_common import flight
from bmp_driver.backends.base import CallPolicy
from bmp_lab.fleet import Fleet
from bmp_oob_agent.poller import poll_device

POLICY = CallPolicy(timeout=1.0, attempts=2, backoff=0.05, deadline=5)


@pytest.fixture
def server():
    password = secrets.token_urlsafe(12)
    with Fleet(1, base_port=0, username="admin", password=password) as fleet:
        server = fleet.nodes[0]
        server.password = password
        yield server


def poll(server, state=None) -> dict:
    target = {
        "sn": server.sn,
        "deviceId": "d-1",
        "bmc": {
            "address": server.bmc_address,
            "port": server.bmc_port,
            "username": "admin",
            "password_encrypted": server.password,  # "decrypt" below is the identity
            "interface": "native",
        },
    }
    return poll_device(target, state, policy=POLICY, decrypt=lambda s: s)[0]


def test_new_sel_records_are_in_the_flight_recorder_by_sn(server):
    since = time.time()
    server.node.add_named_event("Memory", "Correctable ECC")  # before the baseline: history
    first = poll(server)
    assert first["ok"] is True, first
    assert flight.read("-", nodes=[f"sn:{server.sn}"], since=since) == []

    cursor = {
        "baselined": True,
        "after": first["events"][-1]["record_id"],
        "last_add": first["sel_info"]["last_add"],
        "last_erase": first["sel_info"]["last_erase"],
    }
    time.sleep(1.1)  # the SEL's last-add time has a resolution of one second
    server.node.add_named_event("Memory", "Uncorrectable ECC")
    second = poll(server, {"cursor": cursor, "fru_known": True})
    assert second["ok"] is True, second

    recorded = flight.read("-", nodes=[f"sn:{server.sn}"], since=since)
    assert [(e["source"], e["kind"]) for e in recorded] == [("sel", "sel_record")]
    assert recorded[0]["detail"]["event"] == "Uncorrectable ECC"
    assert recorded[0]["detail"]["sensorType"] == 0x0C


def test_a_record_logged_in_the_second_of_the_last_one_read_is_found(server):
    """SEL times are whole seconds: a record logged in the same second as the last one the
    cursor saw leaves the log's last-add time as it was; its count still moves."""
    first = poll(server)
    assert first["ok"] is True, first
    info = first["sel_info"]
    cursor = {
        "baselined": True,
        "after": first["events"][-1]["record_id"],
        "last_add": info["last_add"],
        "last_erase": info["last_erase"],
        "entries": info["entries"],
    }
    server.node.add_named_event("Memory", "Uncorrectable ECC", timestamp=info["last_add"])

    second = poll(server, {"cursor": cursor, "fru_known": True})

    assert second["ok"] is True, second
    assert second["sel_info"]["last_add"] == info["last_add"]
    assert [event["record_id"] for event in second["events"]] != []
    assert second["sel_info"]["entries"] == info["entries"] + 1
    third = poll(server, {"cursor": {**cursor, "entries": info["entries"] + 1}, "fru_known": True})
    assert third["events"] == []  # and nothing more is read once the count is known

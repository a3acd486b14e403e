"""SEL and FRU reads through both backends: what the lab BMC logged is what they return."""

from __future__ import annotations

import time

from bmp_driver.backends import make_backend

from .conftest import FAST, credentials


def test_sel_info_counts_the_records_and_tells_when_the_log_grew(backend, server):
    before = backend.sel_info()
    assert before.entries == len(server.node.sel) == 5
    assert before.last_add == server.node.sel[-1].timestamp
    assert before.last_erase == server.node.sel_erased_at
    server.node.add_named_event("Memory", "Uncorrectable ECC")
    after = backend.sel_info()
    assert after.entries == 6 and after.last_add >= int(time.time()) - 5


def test_sel_read_returns_what_follows_the_cursor(backend, server):
    everything = backend.sel_read()
    assert [e.record_id for e in everything.events] == [r.record_id for r in server.node.sel]
    assert everything.found
    last = everything.events[-1].record_id
    assert backend.sel_read(last).events == []
    server.node.add_named_event("Memory", "Uncorrectable ECC")
    server.node.add_named_event("Power Supply", "Failure detected", deassert=True)
    new = backend.sel_read(last)
    assert new.found
    assert [(e.sensor, e.event, e.direction) for e in new.events] == [
        ("Memory #0x60", "Uncorrectable ECC", "Asserted"),
        ("Power Supply #0x30", "Failure detected", "Deasserted"),
    ]
    if backend.name == "native":  # ipmitool's verbose list has no time of day
        assert new.events[0].timestamp >= int(time.time()) - 5


def test_a_cleared_log_is_read_from_its_new_start(backend, server):
    last = backend.sel_read().events[-1].record_id
    server.node.clear_sel()
    server.node.add_named_event("Processor", "IERR")
    read = backend.sel_read(last)
    assert not read.found
    assert [(e.sensor, e.event) for e in read.events] == [("Processor #0x50", "IERR")]


def test_fru_inventory_names_the_server(backend, server):
    fru = backend.fru_inventory()
    assert (fru.manufacturer, fru.product, fru.serial, fru.board_serial) == (
        "BMP Lab",
        "LabServer 1U",
        server.sn,
        f"B{server.sn}",
    )


def test_one_poll_is_one_native_session(server, password):
    backend = make_backend("native", credentials(server, password), FAST)
    sessions = server.bmc.stats["sessions"]
    with backend.held_session():
        backend.sel_info()
        backend.sel_read()
        backend.fru_inventory()
    assert server.bmc.stats["sessions"] - sessions == 1

"""The flight recorder's store (real Redis, the tests' private server) and its verdict rules."""

from __future__ import annotations

import secrets
import socket
import subprocess
import threading
import time

import pytest
import redis

from bmp_common import flight
from bmp_common.flight_verdict import classify
from bmp_common.testing.requirements import require_tools

T0 = 1_800_000_000.0


def at(offset: float, source: str, kind: str, **detail) -> dict:
    return flight.entry(source, kind, detail, at=T0 + offset)


def step_end(offset, action, target, result="ok", **more) -> dict:
    return at(
        offset,
        flight.SCHEDULER if target == "dhcp" else target,
        flight.STEP_END,
        action=action,
        target=target,
        attempt=1,
        result=result,
        **more,
    )


def pxe_booted(offset: float = 10.0) -> list[dict]:
    return [
        at(0, flight.SCHEDULER, flight.JOB_STARTED, task="CreateInstances"),
        at(offset - 1, flight.BMC, flight.BMC_CALL, call="set boot device", result="ok"),
        at(offset - 0.5, flight.BMC, flight.BMC_CALL, call="power cycle", result="ok"),
        step_end(offset, "SetPXEBoot", "bmc"),
    ]


def ping_timed_out(offset: float) -> list[dict]:
    return [
        step_end(offset, "Ping", "agent", "failed", error="TIMEOUT"),
        at(offset + 0.1, flight.SCHEDULER, flight.JOB_ENDED, status="failed"),
    ]


def verdict(entries, status="failed", now=T0 + 400, stall_s=180.0):
    found = classify(
        sorted(entries, key=lambda e: e["time"]), status=status, now=now, stall_s=stall_s
    )
    return found.code if found else None, found.message if found else ""


# -- the rules ----------------------------------------------------------------------------------


def test_a_bmc_refusing_the_password_is_named_before_anything_else():
    entries = [
        at(0, flight.SCHEDULER, flight.JOB_STARTED),
        at(
            1, flight.BMC, flight.BMC_CALL, call="power status", result="USERNAME_OR_PASSWORD_ERROR"
        ),
        step_end(2, "SetPXEBoot", "bmc", "failed", error="USERNAME_OR_PASSWORD_ERROR"),
    ]
    code, message = verdict(entries)
    assert code == "bmc_auth"
    assert message.startswith("BMC refused the password")


def test_a_bmc_user_without_the_privilege():
    entries = [
        at(1, flight.BMC, flight.BMC_CALL, call="power cycle", result="USER_PRIVILEGE_ERROR")
    ]
    code, message = verdict(entries)
    assert code == "bmc_privilege"
    assert "power cycle" in message


def test_a_bmc_that_does_not_answer():
    entries = [
        at(1, flight.BMC, flight.BMC_CALL, call="power status", result="PING_ILOIP_ERROR"),
        step_end(3, "SetPXEBoot", "bmc", "failed", error="PING_ILOIP_ERROR"),
    ]
    assert verdict(entries)[0] == "bmc_unreachable"


def test_pxe_set_and_no_dhcp_names_boot_order_vlan_or_relay():
    entries = pxe_booted(10) + ping_timed_out(200)
    code, message = verdict(entries)
    assert code == "no_dhcp"
    assert message == (
        "PXE set and power cycled, no DHCP DISCOVER from this MAC in 190 s: "
        "boot order, VLAN or relay"
    )


def test_a_discover_without_an_answer():
    entries = pxe_booted(10) + ping_timed_out(200)
    entries.append(at(20, flight.DHCP, flight.DHCP_PACKET, type="DISCOVER", xid="0x1"))
    code, message = verdict(entries)
    assert code == "dhcp_unanswered"
    assert "no reservation" in message


def test_dhcp_answered_and_no_tftp_names_next_server_or_firewall():
    entries = pxe_booted(10) + ping_timed_out(200)
    for offset, kind in ((20, "DISCOVER"), (20.1, "OFFER"), (21, "REQUEST"), (21.1, "ACK")):
        entries.append(at(offset, flight.DHCP, flight.DHCP_PACKET, type=kind, xid="0x1"))
    code, message = verdict(entries)
    assert code == "no_tftp"
    assert message.startswith("DHCP answered, no TFTP request in 190 s: next-server unreachable")


def test_boot_files_fetched_and_no_heartbeat_names_the_liveos():
    entries = pxe_booted(10) + ping_timed_out(200)
    entries += [
        at(20, flight.DHCP, flight.DHCP_PACKET, type="ACK", xid="0x1"),
        at(22, flight.TFTP, flight.FILE_FETCHED, file="undionly.kpxe", status="ok"),
        at(24, flight.HTTP, flight.FILE_FETCHED, file="ipxe script", boots="liveos"),
        at(25, flight.HTTP, flight.FILE_FETCHED, file="agent.cpio", status=200),
    ]
    code, message = verdict(entries)
    assert code == "no_heartbeat"
    assert message.startswith(
        "boot files fetched (undionly.kpxe, ipxe script, agent.cpio), no heartbeat in 190 s: "
        "LiveOS kernel or initrd does not boot on this hardware"
    )


def test_boot_files_refused():
    entries = pxe_booted(10) + ping_timed_out(200)
    entries.append(at(25, flight.HTTP, flight.FILE_FETCHED, file="agent.cpio", status=403))
    assert verdict(entries)[0] == "boot_file_refused"


def test_only_the_last_pxe_boot_counts():
    # The first boot got as far as DHCP; the second (a retry) saw nothing at all.
    entries = [*pxe_booted(10), at(20, flight.DHCP, flight.DHCP_PACKET, type="ACK", xid="0x1")]
    entries += [step_end(100, "SetPXEBoot", "bmc"), *ping_timed_out(300)]
    code, message = verdict(entries)
    assert code == "no_dhcp"
    assert "in 200 s" in message


def heard_from_agent(until: float) -> list[dict]:
    return [
        flight.entry(
            flight.AGENT,
            flight.HEARTBEATS,
            {"phase": "Ping", "count": 5, "first": T0 + 30, "last": T0 + until},
            at=T0 + 30,
        ),
        step_end(31, "Ping", "agent"),
    ]


def test_an_agent_that_went_silent():
    entries = pxe_booted(10) + heard_from_agent(60)
    entries.append(step_end(90, "WriteImage", "agent", "failed", error="AGENT_SILENT"))
    code, message = verdict(entries)
    assert code == "agent_silent"
    assert "during WriteImage" in message


def test_an_agent_step_that_failed_names_the_step_and_its_message():
    entries = pxe_booted(10) + heard_from_agent(60)
    entries.append(
        step_end(70, "MakePartitions", "agent", "failed", error="ERROR", message="no disk sdb")
    )
    assert verdict(entries) == (
        "agent_step_failed",
        "MakePartitions failed on the server: no disk sdb",
    )


def test_a_driver_step_that_timed_out_without_pxe():
    entries = [step_end(5, "PowerOff", "bmc", "failed", error="TIMEOUT")]
    assert verdict(entries)[0] == "step_timeout"


def test_a_running_job_stalls_only_after_the_stall_time():
    entries = pxe_booted(10)
    assert verdict(entries, status="running", now=T0 + 100) == (None, "")
    code, message = verdict(entries, status="running", now=T0 + 250)
    assert code == "no_dhcp"
    assert "in 240 s" in message


def test_a_running_job_with_a_live_agent_has_no_verdict():
    entries = pxe_booted(10) + heard_from_agent(600)
    assert verdict(entries, status="running", now=T0 + 700) == (None, "")


def test_a_succeeded_job_has_no_verdict():
    assert verdict(pxe_booted(10) + ping_timed_out(200), status="succeeded") == (None, "")


# -- the store ----------------------------------------------------------------------------------


@pytest.fixture
def job_id():
    flight.reset_client()
    yield f"job-{secrets.token_hex(6)}"
    flight.reset_client()


def test_entries_come_back_in_time_order_with_the_node_entries_of_the_window(job_id):
    mac, address = "52:54:00:aa:bb:0c", f"10.9.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    now = time.time()
    flight.record_node(
        [(mac, flight.entry(flight.DHCP, flight.DHCP_PACKET, {"type": "DISCOVER"}, at=now - 100))]
    )
    flight.record(job_id, flight.SCHEDULER, flight.JOB_STARTED, {"task": "CreateInstances"})
    flight.record_node(
        [
            (mac.upper(), flight.entry(flight.DHCP, flight.DHCP_PACKET, {"type": "DISCOVER"})),
            (address, flight.entry(flight.TFTP, flight.FILE_FETCHED, {"file": "undionly.kpxe"})),
        ]
    )
    for _ in range(3):
        flight.heartbeat(job_id, "Ping")
    flight.heartbeat(job_id, "WriteImage")

    entries = flight.read(job_id, nodes=[mac, address], since=now - 1)

    kinds = [(e["source"], e["kind"]) for e in entries]
    assert kinds[0] == ("scheduler", "job_started")
    assert ("dhcp", "dhcp_packet") in kinds and ("tftp", "file_fetched") in kinds
    assert len([k for k in kinds if k[1] == "dhcp_packet"]) == 1  # the older one is outside
    beats = {
        e["detail"]["phase"]: e["detail"]["count"] for e in entries if e["kind"] == "heartbeats"
    }
    assert beats == {"Ping": 3, "WriteImage": 1}
    assert [e["time"] for e in entries] == sorted(e["time"] for e in entries)


def test_a_job_keeps_its_last_entries_only(job_id):
    flight.record_many(
        job_id,
        [flight.entry(flight.SCHEDULER, flight.STEP_BEGIN, {"n": n}) for n in range(450)],
    )
    entries = flight.read(job_id)
    assert len(entries) == flight.JOB_MAX_ENTRIES
    assert entries[-1]["detail"] == {"n": 449}


def test_each_servers_entries_of_a_batch_stay_in_order_bounded_and_expiring(job_id):
    macs = [f"52:54:00:{secrets.token_hex(1)}:{secrets.token_hex(1)}:{n:02x}" for n in range(3)]
    now = time.time()
    # One batch, the servers' entries interleaved; the first server gets more than it keeps.
    batch = [
        (mac, flight.entry(flight.DHCP, flight.DHCP_PACKET, {"n": n}, at=now + n / 1000))
        for n in range(flight.NODE_MAX_ENTRIES + 20)
        for mac in (macs if n < 5 else macs[:1])
    ]
    flight.record_node(batch)
    later = flight.entry(flight.DHCP, flight.DHCP_PACKET, {"n": "late"}, at=now + 1)
    flight.record_node([(macs[1], later)])  # read() orders by time: later than the batch's

    first, second, third = (
        [e["detail"]["n"] for e in flight.read(job_id, nodes=[mac])] for mac in macs
    )
    assert first == list(range(20, flight.NODE_MAX_ENTRIES + 20))  # the last ones, in order
    assert second == [0, 1, 2, 3, 4, "late"]
    assert third == [0, 1, 2, 3, 4]
    client = flight._redis()
    for mac in macs:
        assert 0 < client.ttl(f"bmp:flight:node:{mac}") <= flight.NODE_TTL_S


@pytest.fixture
def broken_redis():
    """A port where every connection is accepted and closed at once (a Redis that is down
    behind a proxy); counts the connections, so a test sees each attempt a writer makes."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = [0]

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            # Counted before the close: the client fails on that close, so by the time a
            # write has returned, each of its attempts is in the count.
            accepted[0] += 1
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    listener.close()
    thread.join(timeout=5)


def test_redis_down_costs_the_writer_nothing_and_the_reader_an_empty_timeline(
    job_id, monkeypatch, broken_redis
):
    port, accepted = broken_redis
    monkeypatch.setenv("BMP_REDIS_URL", f"redis://127.0.0.1:{port}/0")
    flight.reset_client()
    flight.record(job_id, flight.SCHEDULER, flight.JOB_STARTED)
    first_write = accepted[0]
    assert first_write >= 1  # the first write did try Redis
    for _ in range(100):
        flight.heartbeat(job_id, "Ping")
    # Counted, not timed: refused connections to 127.0.0.1 are so quick that 100 of them fit
    # any time bound, while a Redis host that is really gone costs the connect timeout each.
    assert accepted[0] == first_write  # backed off: no connect attempt by the 100 heartbeats
    assert flight.read(job_id) == []


class RedisServer:
    """A redis-server of the test's own on a unix socket, to stop and start again."""

    def __init__(self, folder) -> None:
        self.socket = folder / "redis.sock"
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", str(self.socket),
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        # Answering, not only its socket made: the file appears at bind, before listen.
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(unix_socket_path=str(self.socket)).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.02)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.socket.unlink(missing_ok=True)


@pytest.fixture
def own_redis(tmp_path, monkeypatch):
    require_tools("redis-server", install="apt-get install redis-server")
    server = RedisServer(tmp_path)
    server.start()
    monkeypatch.setenv("BMP_REDIS_URL", f"unix://{server.socket}")
    flight.reset_client()
    yield server
    flight.reset_client()
    if server.process.poll() is None:
        server.stop()


def dhcp_packets(count: int, first: int = 0) -> list[tuple[str, dict]]:
    return [
        ("52:54:00:aa:bb:0d", flight.entry(flight.DHCP, flight.DHCP_PACKET, {"xid": n}))
        for n in range(first, first + count)
    ]


def seen_xids() -> list[int]:
    return [e["detail"]["xid"] for e in flight.read("-", nodes=["52:54:00:aa:bb:0d"])]


def wait_for_xids(expected: list[int], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while seen_xids() != expected:
        assert time.monotonic() < deadline, f"recorded: {seen_xids()}, expected {expected}"
        time.sleep(0.05)


def test_entries_written_while_redis_restarts_arrive_once_it_is_back_in_order(own_redis):
    flight.record_node(dhcp_packets(2))
    assert seen_xids() == [0, 1]

    own_redis.stop()
    for n in range(2, 7):  # a PXE ROM's DISCOVERs, while Redis is away
        flight.record_node(dhcp_packets(1, first=n))
    assert flight.held() == 5
    own_redis.start()  # empty: what came before the restart is gone with it
    flight.record_node(dhcp_packets(1, first=7))  # held behind the others, not sent first

    wait_for_xids([2, 3, 4, 5, 6, 7])
    assert flight.held() == 0 and flight.dropped() == 0


def test_a_long_outage_drops_the_oldest_entries_and_counts_them(own_redis, monkeypatch):
    monkeypatch.setattr(flight, "HOLD_MAX_ENTRIES", 10)
    own_redis.stop()
    for n in range(15):
        flight.record_node(dhcp_packets(1, first=n))
    assert (flight.held(), flight.dropped()) == (10, 5)

    own_redis.start()

    wait_for_xids(list(range(5, 15)))
    assert (flight.held(), flight.dropped()) == (0, 5)


def test_files_fetched_before_the_pxe_steps_result_arrived_still_count():
    # The server booted and asked for its script while the driver was still confirming power.
    entries = [
        at(9, flight.SCHEDULER, flight.STEP_BEGIN, action="SetPXEBoot", attempt=1),
        at(9.5, flight.HTTP, flight.FILE_FETCHED, file="ipxe script", boots="liveos"),
        *pxe_booted(10),
        *ping_timed_out(200),
    ]
    code, message = verdict(entries)
    assert code == "no_heartbeat"
    assert message.startswith("boot files fetched (ipxe script), no heartbeat in 191 s")

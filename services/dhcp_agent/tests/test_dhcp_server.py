"""The running server over real UDP sockets on 127.0.0.1 (no root needed).

Replies that would be broadcast to 255.255.255.255:68 go to 127.0.0.1:<the test socket's port>
here (``broadcast_address`` / ``client_port``): the policy and the loop are the same.
"""

import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bmp_common import flight
from bmp_dhcp_agent.dhcp import codec
from bmp_dhcp_agent.dhcp.events import EventLog, flight_entry, read_counters, read_events
from bmp_dhcp_agent.dhcp.policy import PolicyConfig
from bmp_dhcp_agent.dhcp.server import DhcpServer, ServerConfig
from bmp_dhcp_agent.hosts import HostTable
from bmp_dhcp_agent.testing import client_message

MAC = "52:54:00:aa:bb:01"
IP = "10.0.0.5"
SERVER = "10.0.0.2"


class Client:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2)
        self.port = self.sock.getsockname()[1]

    def send(self, packet, port):
        data = codec.build(packet) if isinstance(packet, codec.Packet) else packet
        self.sock.sendto(data, ("127.0.0.1", port))

    def receive(self, timeout=2.0):
        self.sock.settimeout(timeout)
        try:
            return codec.parse(self.sock.recv(4096))
        except TimeoutError:
            return None

    def exchange(self, packet, port):
        self.send(packet, port)
        return self.receive()


@pytest.fixture
def table_file(tmp_path):
    path = tmp_path / "hosts-idc.sqlite3"
    with HostTable(path) as table:
        table.add_subnet(
            network="10.0.0.0", mask="24", routers="10.0.0.1", dns_servers=["10.0.0.53"]
        )
        table.add_host(mac=MAC, ip=IP)
    return path


@pytest.fixture
def client():
    client = Client()
    yield client
    client.sock.close()


def running_server(table_file, client, **overrides):
    policy = PolicyConfig(
        server_ip=SERVER,
        tftp_host=SERVER,
        gateway_url="http://10.0.0.2:8803",
        proxy=overrides.pop("proxy", False),
    )
    config = ServerConfig(
        policy=policy,
        table_path=table_file,
        listen_ip="127.0.0.1",
        port=0,
        proxy_port=0,
        client_port=client.port,
        relay_port=client.port,
        broadcast_address="127.0.0.1",
        **overrides,
    )
    return ServerThread(DhcpServer(config))


class ServerThread:
    def __init__(self, server):
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self.server

    def __exit__(self, *exc_info):
        self.server.stop()
        self.thread.join(5)
        assert not self.thread.is_alive()
        self.server.close()


def wait_for(predicate, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    return predicate()


def assert_unanswered(client, packet, port):
    """``packet`` got no reply: the server answers in order, so the next reply is the marker's."""
    client.send(packet, port)
    client.send(client_message(codec.DISCOVER, MAC, 0x5EED), port)
    reply = client.receive()
    assert reply is not None and reply.xid == 0x5EED, f"{packet.xid} was answered"


def dora(client, port, mac=MAC, xid=0x1000):
    offer = client.exchange(client_message(codec.DISCOVER, mac, xid), port)
    assert offer is not None, "no OFFER"
    assert offer.message_type == codec.OFFER and offer.xid == xid
    ack = client.exchange(
        client_message(codec.REQUEST, mac, xid, requested=offer.yiaddr, server_id=SERVER), port
    )
    assert ack is not None and ack.message_type == codec.ACK
    return offer, ack


def test_a_reserved_mac_gets_its_address_and_every_message_is_recorded(table_file, client):
    with running_server(table_file, client) as server:
        offer, ack = dora(client, server.port)
        assert offer.yiaddr == ack.yiaddr == IP
        assert ack.option_ip(codec.OPT_SUBNET_MASK) == "255.255.255.0"
        assert ack.option_ip(codec.OPT_ROUTERS) == "10.0.0.1"
        client.send(client_message(codec.RELEASE, MAC, 0x1001, ciaddr=IP), server.port)
        events = wait_for(
            lambda: len(read_events(table_file, MAC)) == 5 and read_events(table_file, MAC)
        )
    assert [(e.kind, e.xid) for e in events] == [
        ("DISCOVER", 0x1000),
        ("OFFER", 0x1000),
        ("REQUEST", 0x1000),
        ("ACK", 0x1000),
        ("RELEASE", 0x1001),
    ]
    assert events[1].ip == IP and events[0].at <= events[-1].at
    assert read_counters(table_file)["ack"] == 1


def test_every_message_of_a_mac_reaches_the_flight_recorder(table_file, client):
    mac = f"52:54:00:f1:{random.randrange(256):02x}:{random.randrange(256):02x}"
    with HostTable(table_file) as table:
        table.add_host(mac=mac, ip="10.0.0.77")
    with running_server(table_file, client) as server:
        dora(client, server.port, mac=mac, xid=0xABC)
        recorded = wait_for(
            lambda: len(flight.read("-", nodes=[mac])) == 4 and flight.read("-", nodes=[mac])
        )
    assert [(e["source"], e["kind"], e["detail"]) for e in recorded] == [
        ("dhcp", "dhcp_packet", {"type": kind, "xid": "0x00000abc"})
        for kind in ("DISCOVER", "OFFER", "REQUEST", "ACK")
    ]


def test_a_packets_flight_entry_is_the_json_of_its_entry():
    # The writer fills a template instead of calling json.dumps per packet: same text.
    for at, kind, xid, detail in [
        (time.time(), "DISCOVER", 0xABC, ""),
        (1.5, "OFFER", 0xFFFFFFFF, "unknown_mac"),
        (0.0, 'A"\u00e9', 0, 'x"\\'),  # nothing the server sends, escaped all the same
    ]:
        detail_of = {"type": kind, "xid": f"0x{xid:08x}", **({"detail": detail} if detail else {})}
        entry = flight.entry(flight.DHCP, flight.DHCP_PACKET, detail_of, at=at)
        assert flight_entry(at, kind, xid, detail) == json.dumps(entry, separators=(",", ":"))


def test_the_events_writer_is_ready_before_the_first_packet_and_yields_to_answering(
    table_file, client
):
    with running_server(table_file, client):
        # Started with the server, not by the first batch: a storm's first burst does not
        # share the cores with a Python interpreter starting.
        (writer,) = multiprocessing.active_children()
        stat = Path(f"/proc/{writer.pid}/stat").read_text()
        assert int(stat.rsplit(")", 1)[1].split()[16]) == os.nice(0) + 10  # field 19: nice


def test_a_killed_events_writer_is_replaced_and_later_messages_are_recorded(table_file, client):
    with running_server(table_file, client) as server:
        dora(client, server.port, xid=0x2000)
        assert wait_for(lambda: len(read_events(table_file, MAC)) == 4)
        (writer,) = multiprocessing.active_children()  # events.EventWriter's process
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(5)
        time.sleep(0.3)  # the executor notices the death on its own thread
        dora(client, server.port, xid=0x2001)
        events = wait_for(
            lambda: len(read_events(table_file, MAC)) == 8 and read_events(table_file, MAC)
        )
    assert [(e.kind, e.xid) for e in events[4:]] == [
        (kind, 0x2001) for kind in ("DISCOVER", "OFFER", "REQUEST", "ACK")
    ]


def test_an_unknown_mac_gets_no_answer_and_is_counted(table_file, client):
    stranger = "52:54:00:00:00:99"
    with running_server(table_file, client) as server:
        assert_unanswered(client, client_message(codec.DISCOVER, stranger, 7), server.port)
        events = wait_for(lambda: read_events(table_file, stranger))
    assert [(e.kind, e.detail) for e in events] == [("DISCOVER", "unknown_mac")]
    assert read_counters(table_file)["unknown_mac"] == 1


def test_a_reservation_added_while_running_is_served_without_a_restart(table_file, client):
    late = "52:54:00:00:00:42"
    with running_server(table_file, client) as server:
        assert_unanswered(client, client_message(codec.DISCOVER, late, 1), server.port)
        with HostTable(table_file) as table:  # as the worker does, from another connection
            table.add_host(mac=late, ip="10.0.0.42")
        offer = client.exchange(client_message(codec.DISCOVER, late, 2), server.port)
        assert offer is not None and offer.yiaddr == "10.0.0.42"
        with HostTable(table_file) as table:
            table.delete_host(mac=late)
        assert_unanswered(client, client_message(codec.DISCOVER, late, 3), server.port)


def test_a_relayed_request_is_answered_by_unicast_to_the_relay(table_file, client):
    with running_server(table_file, client) as server:
        relayed = client_message(codec.DISCOVER, MAC, 9, giaddr="127.0.0.1", broadcast=False)
        offer = client.exchange(relayed, server.port)  # relay_port is the test socket's port
    assert offer is not None and offer.giaddr == "127.0.0.1" and offer.yiaddr == IP


def fuzz_datagrams(count, seed=5):
    """Random bytes, and real-looking packets with random damage (they reach the TLV walker)."""
    rng = random.Random(seed)
    valid = codec.build(client_message(codec.DISCOVER, MAC, 1, vendor="PXEClient", arch=7))
    for index in range(count):
        if index % 2:
            yield rng.randbytes(rng.randrange(0, 600))
        else:
            damaged = bytearray(valid)
            for _ in range(rng.randrange(1, 10)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            yield bytes(damaged[: rng.randrange(200, len(damaged) + 1)])


def test_random_bytes_never_stop_the_server(table_file, client):
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with running_server(table_file, client) as server:
        for index, datagram in enumerate(fuzz_datagrams(3000)):
            sender.sendto(datagram, ("127.0.0.1", server.port))
            if index % 200 == 0:
                time.sleep(0.01)  # let the server keep up: we test parsing, not buffer overflow
        sender.close()
        time.sleep(0.3)
        while client.receive(timeout=0.1):
            pass  # the damaged-but-valid DISCOVERs of MAC may have been answered
        _offer, ack = dora(client, server.port, xid=0xBEEF)
        assert ack.yiaddr == IP
        counters = wait_for(
            lambda: (
                read_counters(table_file).get("malformed", 0) > 1000 and read_counters(table_file)
            )
        )
    assert counters.get("internal_error", 0) == 0
    assert counters["malformed"] > 1000


def test_the_event_table_is_bounded(table_file, client):
    with running_server(table_file, client, max_events=10) as server:
        for xid in range(12):
            assert client.exchange(client_message(codec.DISCOVER, MAC, xid), server.port)
        wait_for(
            lambda: read_events(table_file, MAC)[-1:] and read_events(table_file)[-1].xid == 11
        )
    events = read_events(table_file)
    assert len(events) == 10
    assert events[-1].kind == "OFFER" and events[-1].xid == 11


def test_proxy_mode_answers_on_67_and_on_the_boot_server_port(table_file, client):
    with running_server(table_file, client, proxy=True) as server:
        firmware = dict(vendor="PXEClient:Arch:00007:UNDI:003016", arch=7)
        offer = client.exchange(client_message(codec.DISCOVER, MAC, 3, **firmware), server.port)
        assert offer.yiaddr == codec.ZERO_IP and offer.file == b"snponly.efi"
        assert offer.options[codec.OPT_VENDOR_CLASS] == b"PXEClient"
        boot = client_message(codec.REQUEST, MAC, 4, ciaddr="192.168.7.7", **firmware)
        ack = client.exchange(boot, server.proxy_port)  # answered to the sender's address
        assert ack.message_type == codec.ACK and ack.file == b"snponly.efi"
        plain = client_message(codec.DISCOVER, MAC, 5)
        client.send(plain, server.port)  # the site's DHCP answers plain clients, not us
        assert (
            client.exchange(client_message(codec.DISCOVER, MAC, 6, **firmware), server.port).xid
            == 6
        )


ORPHAN = """
import multiprocessing, os, sys, time
from bmp_dhcp_agent.dhcp.events import EventWriter
if __name__ == "__main__":
    writer = EventWriter(sys.argv[1])
    writer.submit(([(time.time(), "52:54:00:aa:bb:01", 1, "DISCOVER", "", "")], {}))
    time.sleep(0.5)
    print(multiprocessing.active_children()[0].pid, flush=True)
    os._exit(0)  # as SIGKILL would: no close, no shutdown of the writer
"""


def test_a_server_killed_outright_leaves_no_events_writer_behind(tmp_path):
    script = tmp_path / "server.py"
    script.write_text(ORPHAN)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "hosts.sqlite3")],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    writer = int(done.stdout)
    assert wait_for(lambda: not Path(f"/proc/{writer}").exists(), timeout=5)


def test_flight_entries_given_up_while_redis_is_away_are_counted(tmp_path, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on: Redis is away
        probe.bind(("127.0.0.1", 0))
        away = probe.getsockname()[1]
    monkeypatch.setenv("BMP_REDIS_URL", f"redis://127.0.0.1:{away}/0")
    monkeypatch.setattr(flight, "HOLD_MAX_ENTRIES", 10)
    flight.reset_client()
    path = tmp_path / "events.sqlite"
    log = EventLog(path)
    try:
        for batch in range(3):
            for n in range(10):
                log.record(MAC, batch * 10 + n, "DISCOVER")
            log.flush()
    finally:
        log.close()
        flight.reset_client()

    # 30 entries, the buffer holds 10: the two older batches were given up, and said so.
    assert read_counters(path)["flight_dropped"] == 20
    assert len(read_events(path, MAC)) == 30  # the server's own record lost nothing

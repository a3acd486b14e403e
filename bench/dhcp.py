"""DHCP answers per second for 1,000 reserved MACs: our server against Debian's dnsmasq.

    sudo .venv/bin/python bench/dhcp.py [--macs 1000] [--window 32] [--rounds 3] [--cycles 3]
                                        [--dnsmasq-leasefile-ro]

Root only: creates a namespace pair ``bmpdh…`` joined by a veth. Each server in turn runs in the
server namespace with the same reservations (ours from its host table, dnsmasq started with
``--no-daemon --conf-file=/dev/null`` and the same lines in a ``--dhcp-hostsfile``); a client in
the other namespace broadcasts DISCOVERs for every MAC (phase 1), then REQUESTs for the offered
addresses (phase 2), keeping ``--window`` exchanges in flight, as a PXE storm would. Each phase
is timed from the first send to the last answer. The servers take turns (``--cycles`` turns of
``--rounds`` rounds each) and the median round counts (a round with unanswered MACs counts as
zero). Ends with:
``macs=1000 ours_per_s=… dnsmasq_per_s=… ratio=…`` (DISCOVER→OFFER and REQUEST→ACK summed per
MAC; both phases are printed above it). Ours records its packets in a private redis-server (the
flight recorder, as in production); the line before the last says how many it recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from private_redis import node_entries, private_redis

from bmp_dhcp_agent.dhcp import codec
from bmp_dhcp_agent.hosts import HostTable
from bmp_dhcp_agent.testing import VethPair, client_message

ROUTER = "10.77.0.1"
DNS = "10.77.0.53"
RESEND_AFTER = 1.0


def reservations(count: int) -> list[tuple[str, str]]:
    return [
        (f"52:54:01:00:{i >> 8:02x}:{i & 255:02x}", f"10.77.{1 + i // 200}.{10 + i % 200}")
        for i in range(count)
    ]


# -- the client (runs inside the client namespace) ---------------------------------------------


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of ``pid`` (the server: same PID namespace, other netns) and of
    its child processes (ours writes its events in one; that CPU shows a round or so late)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except (FileNotFoundError, ProcessLookupError):
            continue  # a process that just ended
        for task in tasks:
            try:
                total += int((task / "schedstat").read_text().split()[0])  # ns on CPU
                todo += [int(child) for child in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                pass  # a thread that just ended
    return total / 1e9


def run_phase(sock, packets: list[codec.Packet], expect: int, window: int, server_pid: int) -> dict:
    """Send every packet keeping ``window`` in flight; return replies by xid and timings."""
    cpu_before = cpu_seconds(server_pid)
    pending = {packet.xid: packet for packet in packets}
    queue = list(reversed(packets))
    in_flight: dict[int, float] = {}
    replies: dict[int, codec.Packet] = {}
    resent = 0
    started = time.perf_counter()
    deadline = started + 30
    while (queue or in_flight) and time.perf_counter() < deadline:
        while queue and len(in_flight) < window:
            packet = queue.pop()
            sock.send_to_server(codec.build(packet))
            in_flight[packet.xid] = time.perf_counter()
        try:
            reply = codec.parse(sock.recv(4096))
        except (TimeoutError, BlockingIOError):
            reply = None
        except codec.CodecError:
            continue
        if reply and reply.xid in in_flight and reply.message_type == expect:
            del in_flight[reply.xid]
            replies[reply.xid] = reply
        now = time.perf_counter()
        for xid, sent in list(in_flight.items()):
            if now - sent > RESEND_AFTER:
                sock.send_to_server(codec.build(pending[xid]))
                in_flight[xid] = now
                resent += 1
    wall = time.perf_counter() - started
    cpu = cpu_seconds(server_pid) - cpu_before
    return {
        "answered": len(replies),
        "wall_s": wall,
        "server_cpu_s": cpu,
        "resent": resent,
        "replies": replies,
    }


class ClientSocket:
    def __init__(self, interface: str):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
        self.sock.bind(("0.0.0.0", 68))  # noqa: S104 - broadcasts reach only INADDR_ANY
        self.sock.settimeout(0.05)

    def send_to_server(self, data: bytes) -> None:
        self.sock.sendto(data, ("255.255.255.255", 67))

    def recv(self, size: int) -> bytes:
        return self.sock.recv(size)


def wait_until_answering(sock: ClientSocket, mac: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        probe = client_message(codec.DISCOVER, mac, 0xFFFF0000)
        if run_phase_quick(sock, probe):
            return
    raise SystemExit("the server never answered")


def run_phase_quick(sock: ClientSocket, probe: codec.Packet) -> bool:
    sock.send_to_server(codec.build(probe))
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        try:
            if codec.parse(sock.recv(4096)).xid == probe.xid:
                return True
        except (TimeoutError, codec.CodecError):
            pass
    return False


def client_main(args: argparse.Namespace) -> None:
    macs = [mac for mac, _ip in reservations(args.macs)]
    sock = ClientSocket(args.interface)
    wait_until_answering(sock, macs[0])
    results = []
    for round_number in range(args.rounds):
        base = (round_number + 1) << 20
        discovers = [
            client_message(codec.DISCOVER, mac, base + i, vendor="PXEClient:Arch:00000", arch=0)
            for i, mac in enumerate(macs)
        ]
        offers = run_phase(sock, discovers, codec.OFFER, args.window, args.server_pid)
        requests = [
            client_message(
                codec.REQUEST,
                mac,
                base + i,
                requested=offer.yiaddr,
                server_id=offer.option_ip(codec.OPT_SERVER_ID),
            )
            for i, mac in enumerate(macs)
            if (offer := offers["replies"].get(base + i))
        ]
        acks = run_phase(sock, requests, codec.ACK, args.window, args.server_pid)
        results.append(
            {
                phase: {key: value for key, value in result.items() if key != "replies"}
                for phase, result in (("discover", offers), ("request", acks))
            }
        )
    print(json.dumps(results))


# -- the driver (root namespace) ---------------------------------------------------------------


def run_client(pair: VethPair, args: argparse.Namespace, server_pid: int) -> list[dict]:
    command = pair.client_cmd(
        sys.executable, __file__, "client", "--interface", pair.client_if,
        "--macs", str(args.macs), "--window", str(args.window), "--rounds", str(args.rounds),
        "--server-pid", str(server_pid),
    )  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603
    if result.returncode:
        raise SystemExit(f"the bench client failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def bench_ours(pair: VethPair, args: argparse.Namespace, workdir: Path) -> list[dict]:
    state = workdir / "state"
    with HostTable(state / "hosts-bench.sqlite3") as table:
        table.add_subnet(network="10.77.0.0", mask="16", routers=ROUTER, dns_servers=[DNS])
        for mac, ip in reservations(args.macs):
            table.add_host(mac=mac, ip=ip)
    env = {**os.environ, "BMP_DHCP_STATE_DIR": str(state), "BMP_LOG_LEVEL": "WARNING"}
    command = pair.server_cmd(
        sys.executable, "-m", "bmp_dhcp_agent", "serve", "--idc", "bench",
        "--interface", pair.server_if, "--server-ip", pair.server_ip,
    )  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        return run_client(pair, args, server.pid)  # `ip netns exec` execs the server itself
    finally:
        stop(server)


def bench_dnsmasq(pair: VethPair, args: argparse.Namespace, workdir: Path) -> list[dict]:
    hosts = workdir / "dnsmasq.hosts"
    hosts.write_text("".join(f"{mac},{ip}\n" for mac, ip in reservations(args.macs)))
    command = pair.server_cmd(
        "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--bind-interfaces",
        f"--interface={pair.server_if}", "--except-interface=lo",
        "--dhcp-range=10.77.0.0,static,255.255.0.0,10m", f"--dhcp-hostsfile={hosts}",
        f"--dhcp-option=3,{ROUTER}", f"--dhcp-option=6,{DNS}", "--dhcp-authoritative",
        "--quiet-dhcp", "--log-facility=-",
        f"--pid-file={workdir / 'dnsmasq.pid'}", "--dhcp-boot=undionly.kpxe",
    )  # fmt: skip
    # By default dnsmasq rewrites and fsyncs its lease file on every ACK, as deployed;
    # --dnsmasq-leasefile-ro keeps leases in memory only (our static leases need no file).
    if args.dnsmasq_leasefile_ro:
        command.append("--leasefile-ro")
    else:
        command.append(f"--dhcp-leasefile={workdir / 'dnsmasq.leases'}")
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    try:
        return run_client(pair, args, server.pid)  # `ip netns exec` execs the server itself
    finally:
        stop(server)


def median_cpu_us(rounds: list[dict], phase: str) -> float:
    """The server's median CPU time per answer in µs: what the machine's load does not skew."""
    per_answer = [
        r[phase]["server_cpu_s"] / r[phase]["answered"] * 1e6
        for r in rounds
        if r[phase]["answered"]
    ]
    return statistics.median(per_answer) if per_answer else 0.0


def median_rate(rounds: list[dict], phase: str, macs: int) -> float:
    """The median rate over rounds; a round that left MACs unanswered counts as 0."""
    rates = [macs / r[phase]["wall_s"] if r[phase]["answered"] == macs else 0.0 for r in rounds]
    return statistics.median(rates) if rates else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "client"])
    parser.add_argument("--macs", type=int, default=1000)
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server per cycle")
    parser.add_argument("--cycles", type=int, default=3, help="turns of each server")
    parser.add_argument("--interface", help="(client mode) the client's veth")
    parser.add_argument("--server-pid", type=int, help="(client mode) whose CPU time to read")
    parser.add_argument(
        "--dnsmasq-leasefile-ro",
        action="store_true",
        help="run dnsmasq without its lease file (no write + fsync per ACK)",
    )
    args = parser.parse_args()
    if args.mode == "client":
        client_main(args)
        return 0
    if os.geteuid() != 0 or not shutil.which("dnsmasq"):
        raise SystemExit("needs root (network namespaces) and dnsmasq (apt dnsmasq-base)")
    results: dict[str, list[dict]] = {"ours": [], "dnsmasq": []}
    with tempfile.TemporaryDirectory(prefix="bench-dhcp-") as tmp, VethPair() as pair:
        workdir = Path(tmp)
        # Ours records every packet in Redis for the jobs' timelines, as in production.
        with private_redis(workdir):
            # The servers take turns, so a change in the machine's load hits both alike.
            for _cycle in range(args.cycles):
                results["ours"] += bench_ours(pair, args, workdir)
                results["dnsmasq"] += bench_dnsmasq(pair, args, workdir)
            recorded = node_entries()
    rates = {}
    for name, rounds in results.items():
        for index, round_result in enumerate(rounds, 1):
            for phase in ("discover", "request"):
                r = round_result[phase]
                print(
                    f"{name:8} round {index} {phase:8} answered={r['answered']} "
                    f"wall_s={r['wall_s']:.3f} per_s={r['answered'] / r['wall_s']:.0f} "
                    f"server_cpu_s={r['server_cpu_s']:.3f} resent={r['resent']}"
                )
        rates[name] = {
            phase: median_rate(rounds, phase, args.macs) for phase in ("discover", "request")
        }
    for phase, label in (("discover", "DISCOVER->OFFER"), ("request", "REQUEST->ACK")):
        ours, theirs = rates["ours"][phase], rates["dnsmasq"][phase]
        ratio = ours / theirs if theirs else 0.0
        cpu = {name: median_cpu_us(rounds, phase) for name, rounds in results.items()}
        print(
            f"{label}: ours_per_s={ours:.0f} dnsmasq_per_s={theirs:.0f} ratio={ratio:.2f} "
            f"cpu_us_per_answer ours={cpu['ours']:.1f} dnsmasq={cpu['dnsmasq']:.1f}"
        )

    def exchanges_per_s(name: str) -> float:
        # One MAC = one DISCOVER->OFFER and one REQUEST->ACK: time per MAC is the sum.
        discover, request = rates[name]["discover"], rates[name]["request"]
        return 1 / (1 / discover + 1 / request) if discover and request else 0.0

    ours, theirs = exchanges_per_s("ours"), exchanges_per_s("dnsmasq")
    ratio = ours / theirs if theirs else 0.0
    print(f"flight recorder: {recorded} packets of ours in Redis")
    print(f"macs={args.macs} ours_per_s={ours:.0f} dnsmasq_per_s={theirs:.0f} ratio={ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

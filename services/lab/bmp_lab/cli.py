"""`python -m bmp_lab up N ...` runs a fleet in the foreground; `status` reports on it;
`enrol` imports it into a running platform through the API (see `bmp_lab.enrol`).

The BMC password comes from BMP_LAB_BMC_PASSWORD or is generated; either way it is written to a
0600 file next to the state file and never appears on a command line.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

from bmp_lab import selcli
from bmp_lab.enrol import run_enrol
from bmp_lab.fleet import DEFAULT_BASE_PORT, STATE_FILE, Fleet, read_state, write_state

PASSWORD_ENV = "BMP_LAB_BMC_PASSWORD"  # noqa: S105 (the variable name, not a secret)
DEFAULT_STATE_DIR = Path(os.environ.get("BMP_RUN_DIR") or tempfile.gettempdir()) / "bmp-lab"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bmp_lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run N virtual servers until SIGTERM/SIGINT")
    up.add_argument("count", type=int)
    up.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT)
    up.add_argument(
        "--first-index",
        type=int,
        default=1,
        help="index of the first server (SN, MAC, address): labs in several processes",
    )
    up.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    up.add_argument("--username", default="admin")
    up.add_argument("--gateway", help="gateway URL for iPXE scripts, e.g. http://127.0.0.1:8803")
    up.add_argument(
        "--gateway-ca",
        help="CA of the gateway HTTPS certificate (agents verify it): var/data/tls/ca.pem",
    )
    up.add_argument("--latency", type=float, default=0.0, help="seconds added to every reply")
    up.add_argument("--loss", type=float, default=0.0, help="probability to drop a request")
    up.add_argument("--step-delay", type=float, default=0.0, help="seconds each agent step takes")
    up.add_argument("--heartbeat", type=float, default=1.0, help="agent heartbeat interval (s)")
    up.add_argument(
        "--guest-root",
        type=Path,
        help="folder of the servers' installed systems: InstallMonitorAgent writes into "
        "<folder>/<sn> (default: answered as done, nothing written)",
    )
    up.add_argument(
        "--sel-records", type=int, default=0, help="fill each SEL to this many records (benches)"
    )
    status = commands.add_parser("status", help="show a running fleet and ping its BMCs")
    status.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    enrol = commands.add_parser("enrol", help="enrol the running fleet into a platform (/v1 API)")
    enrol.add_argument("--api", default=_default_api(), help="openapi URL (operation profile)")
    enrol.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    enrol.add_argument("--idc-name", default="lab")
    enrol.add_argument(
        "--key-file",
        type=Path,
        help="file with the admin API key (default: the BMP_ADMIN_API_KEY= line of "
        "$BMP_CREDENTIALS_FILE)",
    )
    enrol.add_argument("--wait", action="store_true", help="wait until the devices are put away")
    enrol.add_argument("--timeout", type=float, default=300.0, help="seconds --wait waits")
    selcli.add_parser(commands)
    return parser


def _default_api() -> str:
    # The operator API listens on BMP_API_BIND (a wildcard bind is reached on the loopback).
    host = os.environ.get("BMP_API_BIND") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # noqa: S104 (a name compared, nothing bound)
        host = "127.0.0.1"
    return f"http://{host}:{os.environ.get('BMP_OPENAPI_PORT') or 8801}"


def run_up(args) -> int:
    password = os.environ.get(PASSWORD_ENV) or secrets.token_urlsafe(12)
    fleet = Fleet(
        args.count,
        username=args.username,
        password=password,
        base_port=args.base_port,
        first_index=args.first_index,
        latency=args.latency,
        loss=args.loss,
        gateway=args.gateway,
        agent_options={
            "step_delay": args.step_delay,
            "heartbeat_interval": args.heartbeat,
            "gateway_ca": args.gateway_ca,
            "guest_root": str(args.guest_root) if args.guest_root else None,
        },
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with fleet:
        for server in fleet.nodes:
            server.node.fill_sel(max(0, args.sel_records - len(server.node.sel)))
        state_path = write_state(fleet, args.state_dir)
        first, last = fleet.nodes[0], fleet.nodes[-1]
        print(
            f"bmp-lab: {len(fleet.nodes)} BMCs on 127.0.0.1:{first.bmc_port}-{last.bmc_port}, "
            f"state {state_path}",
            flush=True,
        )
        while not stop.wait(1.0):
            pass
    (args.state_dir / STATE_FILE).unlink(missing_ok=True)
    return 0


def ping_bmcs(address: str, ports: list[int], timeout: float = 1.0) -> set[int]:
    """Send one ASF presence ping to every port; return the ports that answered."""
    ping = struct.pack("!BxBB", 0x06, 0xFF, 0x06) + struct.pack("!IBBxB", 4542, 0x80, 1, 0)
    answered: set[int] = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.setblocking(False)
        # Send in small batches and drain between them: 1,000 pongs at once overflow the buffer.
        for start in range(0, len(ports), 50):
            for port in ports[start : start + 50]:
                sock.sendto(ping, (address, port))
            time.sleep(0.005)
            _drain(sock, answered)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(answered) < len(ports):
            time.sleep(0.02)
            _drain(sock, answered)
    return answered


def _drain(sock: socket.socket, answered: set[int]) -> None:
    while True:
        try:
            _, (_, port) = sock.recvfrom(512)
        except BlockingIOError:
            return
        answered.add(port)


def run_status(args) -> int:
    try:
        state = read_state(args.state_dir)
    except FileNotFoundError:
        print(f"bmp-lab: no fleet state in {args.state_dir}")
        return 1
    try:
        os.kill(state["pid"], 0)
        alive = True
    except OSError:
        alive = False
    nodes = state["nodes"]
    answered = ping_bmcs(state["address"], [n["bmc"]["port"] for n in nodes]) if alive else set()
    print(
        f"pid {state['pid']} {'running' if alive else 'not running'}; {len(nodes)} nodes; "
        f"{len(answered)} BMCs answered a ping; gateway {state.get('gateway') or '-'}"
    )
    for node in nodes[:20]:
        mark = "up" if node["bmc"]["port"] in answered else "--"
        print(f"  {node['sn']}  {node['mac']}  {state['address']}:{node['bmc']['port']}  {mark}")
    if len(nodes) > 20:
        print(f"  ... {len(nodes) - 20} more in {args.state_dir / STATE_FILE}")
    return 0 if alive else 1


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    args = _parser().parse_args(argv)
    commands = {
        "up": run_up,
        "status": run_status,
        "enrol": run_enrol,
        "sel": lambda args: selcli.run_sel(args, DEFAULT_STATE_DIR),
    }
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())

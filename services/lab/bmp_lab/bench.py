"""Time N BMCs answering "chassis power status" through python-ipmi's native RMCP+ client.

    python -m bmp_lab.bench 1000 [--workers 64] [--base-port 17230]

Starts `python -m bmp_lab up N` in a child process (the BMC side must not share the client's
GIL), waits for its state file, then opens one RMCP+ session per BMC from a thread pool, reads the
power status and closes the session. Prints the wall time and the failures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyipmi
import pyipmi.interfaces

from bmp_lab.fleet import read_state


def power_status(address: str, port: int, username: str, password: str) -> bool:
    interface = pyipmi.interfaces.create_interface("rmcpplus", keep_alive_interval=0)
    ipmi = pyipmi.create_connection(interface)
    ipmi.session.set_session_type_rmcp(address, port=port)
    ipmi.session.set_auth_type_user(username, password)
    ipmi.target = pyipmi.Target(ipmb_address=0x20)
    ipmi.open()
    try:
        return ipmi.get_chassis_status().power_on
    finally:
        ipmi.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--base-port", type=int, default=17230)
    args = parser.parse_args()
    password = "bench-" + os.urandom(6).hex()
    with tempfile.TemporaryDirectory() as state_dir:
        env = {**os.environ, "BMP_LAB_BMC_PASSWORD": password}
        command = [sys.executable, "-m", "bmp_lab", "up", str(args.count)]
        command += ["--base-port", str(args.base_port), "--state-dir", state_dir]
        started = time.monotonic()
        child = subprocess.Popen(command, env=env)  # noqa: S603 (our own module, argv list)
        try:
            while not (Path(state_dir) / "lab-state.json").exists():
                if child.poll() is not None or time.monotonic() - started > 60:
                    print("the fleet did not start")
                    return 1
                time.sleep(0.05)
            print(f"fleet of {args.count} up in {time.monotonic() - started:.2f} s")
            state = read_state(Path(state_dir))
            targets = [(state["address"], n["bmc"]["port"]) for n in state["nodes"]]
            failures: list[str] = []

            def one(target):
                try:
                    power_status(*target, state["username"], password)
                except Exception as exc:
                    failures.append(f"{target[1]}: {exc!r}")

            began = time.monotonic()
            with ThreadPoolExecutor(args.workers) as pool:
                list(pool.map(one, targets))
            elapsed = time.monotonic() - began
            print(
                f"{len(targets)} power status reads in {elapsed:.2f} s "
                f"({len(targets) / elapsed:.0f}/s), {len(failures)} failed"
            )
            for failure in failures[:5]:
                print("  ", failure)
            return 0 if not failures else 1
        finally:
            child.terminate()
            child.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())

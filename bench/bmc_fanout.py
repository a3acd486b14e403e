"""Power status of N BMCs through the driver's fan-out, against sequential ``ipmitool``.

    python bench/bmc_fanout.py --nodes 1000 [--lab-processes 2] [--ipmitool-sample 40]

Starts ``python -m bmp_lab up`` in ``--lab-processes`` child processes, N BMCs between them (the
BMCs must not share the client's GIL, and one lab process, a single reactor thread, would be
the bottleneck on a machine with more than one core), reads the power status of every BMC with
``bmp_driver.fanout.power_status_many`` (native RMCP+: every session on one thread and socket,
cold: the first session of each BMC also learns its cipher suite), then times ``ipmitool chassis
power status`` one BMC after another, as upstream's driver ran it. With more nodes than
``--ipmitool-sample``, only that many ipmitool calls are timed and the sequential wall time is
extrapolated (the output says so). Ends with one line:
``nodes=N ok=K wall_s=… ipmitool_ratio=…`` (ratio = sequential ipmitool wall / driver wall).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bmp_driver.backends.base import BmcCredentials, CallPolicy
from bmp_driver.backends.ipmitool import IpmitoolBackend
from bmp_driver.fanout import power_status_many
from bmp_lab.fleet import STATE_FILE, read_state


def cpu_seconds(lab_pids: list[int]) -> dict[str, float]:
    """CPU time so far of this process (the driver's fan-out) and of the lab's BMCs."""
    lab = sum(
        int((task / "schedstat").read_text().split()[0])
        for pid in lab_pids
        for task in Path(f"/proc/{pid}/task").iterdir()
    )
    return {"driver": time.process_time(), "lab": lab / 1e9}


def start_fleet(nodes: int, state_dir: str, password: str) -> subprocess.Popen:
    env = {**os.environ, "BMP_LAB_BMC_PASSWORD": password}
    command = [sys.executable, "-m", "bmp_lab", "up", str(nodes), "--base-port", "0"]
    command += ["--state-dir", state_dir]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    started = time.monotonic()
    while not (Path(state_dir) / STATE_FILE).exists():
        if child.poll() is not None or time.monotonic() - started > 120:
            child.kill()
            raise SystemExit("the lab fleet did not start")
        time.sleep(0.05)
    print(f"lab fleet of {nodes} BMCs up in {time.monotonic() - started:.2f} s", flush=True)
    return child


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64, help="threads (ipmitool only)")
    parser.add_argument("--lab-processes", type=int, default=2)
    parser.add_argument("--ipmitool-sample", type=int, default=40)
    args = parser.parse_args()
    password = secrets.token_urlsafe(12)
    policy = CallPolicy(timeout=2.0, attempts=3, backoff=0.2, deadline=30)
    with tempfile.TemporaryDirectory(prefix="bmc-fanout-") as state_root:
        children, targets = [], []
        processes = max(1, args.lab_processes)
        try:
            for index in range(processes):
                state_dir = Path(state_root) / str(index)
                state_dir.mkdir()
                share = args.nodes // processes + (index < args.nodes % processes)
                children.append(start_fleet(share, str(state_dir), password))
                state = read_state(state_dir)
                targets += [
                    BmcCredentials(
                        n["bmc"]["address"], n["bmc"]["port"], state["username"], password
                    )
                    for n in state["nodes"]
                ]
            lab_pids = [child.pid for child in children]

            began, cpu = time.monotonic(), cpu_seconds(lab_pids)
            results = power_status_many(targets, args.concurrency, policy=policy)
            driver_wall = time.monotonic() - began
            cpu = {
                k: v2 - v1
                for (k, v1), v2 in zip(cpu.items(), cpu_seconds(lab_pids).values(), strict=True)
            }
            failed = [r for r in results if not isinstance(r, str)]
            ok = len(results) - len(failed)
            print(
                f"driver fan-out (cold, lab in {processes} processes): {driver_wall:.2f} s, "
                f"{ok} ok, {len(failed)} failed; CPU s: driver {cpu['driver']:.2f}, "
                f"lab {cpu['lab']:.2f}"
            )
            for error in failed[:5]:
                print(f"  {error.code}: {error}")

            began = time.monotonic()
            power_status_many(targets, args.concurrency, policy=policy)
            print(f"driver fan-out (warm, cipher suites known): {time.monotonic() - began:.2f} s")

            sample = targets[: args.ipmitool_sample]
            began = time.monotonic()
            for target in sample:
                IpmitoolBackend(target, policy).power_status()
            sample_wall = time.monotonic() - began
            ipmitool_wall = sample_wall / len(sample) * len(targets)
            if len(sample) < len(targets):
                print(
                    f"sequential ipmitool: {len(sample)} calls timed in {sample_wall:.2f} s, "
                    f"extrapolated to {len(targets)}: {ipmitool_wall:.1f} s"
                )
            else:
                print(f"sequential ipmitool: {ipmitool_wall:.2f} s")
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=10)
    ratio = ipmitool_wall / driver_wall
    print(f"nodes={args.nodes} ok={ok} wall_s={driver_wall:.2f} ipmitool_ratio={ratio:.1f}")
    return 0 if ok == args.nodes else 1


if __name__ == "__main__":
    sys.exit(main())

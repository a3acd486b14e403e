"""One out-of-band poll of N lab BMCs with R SEL records each, against sequential ``ipmitool``.

    python bench/oob_poll.py --nodes 1000 [--records 20] [--concurrency 64] [--processes 4]
        [--ipmitool-sample 20]

Starts the BMCs as ``python -m bmp_lab up`` child processes (``--processes`` of them, so that
the BMCs do not share one GIL, nor the poller's), then polls every BMC as oob-agent does
(``bmp_oob_agent.poller.poll_device``: one native RMCP+ session each, Get SEL Info, every
record, the FRU), ``--concurrency`` at once, from a cold start (no cursor, cipher suites
unknown). openapi and oob-alert are left out: this times the BMC side of a poll. Then it times
``ipmitool sel list`` (what upstream's agent ran, with the password in its environment here)
one BMC after another on a sample and extrapolates. Ends with one line:
``nodes=N records=M wall_s=… ipmitool_ratio=…`` (ratio = sequential ipmitool wall / poll wall).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bmp_driver.backends.base import BmcCredentials, CallPolicy
from bmp_driver.backends.ipmitool import IpmitoolBackend
from bmp_lab.fleet import STATE_FILE, read_state
from bmp_oob_agent.poller import poll_device


def start_fleet(nodes: int, records: int, state_dir: Path, password: str) -> subprocess.Popen:
    env = {**os.environ, "BMP_LAB_BMC_PASSWORD": password}
    command = [sys.executable, "-m", "bmp_lab", "up", str(nodes), "--base-port", "0"]
    command += ["--state-dir", str(state_dir), "--sel-records", str(records)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)  # noqa: S603


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--records", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--ipmitool-sample", type=int, default=20)
    args = parser.parse_args()
    password = secrets.token_urlsafe(12)
    policy = CallPolicy(timeout=2.0, attempts=3, backoff=0.2, deadline=30)
    with tempfile.TemporaryDirectory(prefix="oob-poll-") as work:
        sizes = [args.nodes // args.processes] * args.processes
        sizes[-1] += args.nodes - sum(sizes)
        dirs = [Path(work) / f"fleet{i}" for i in range(args.processes)]
        began = time.monotonic()
        children = [
            start_fleet(size, args.records, path, password)
            for size, path in zip(sizes, dirs, strict=True)
        ]
        try:
            while not all((path / STATE_FILE).exists() for path in dirs):
                if any(c.poll() is not None for c in children) or time.monotonic() - began > 180:
                    raise SystemExit("the lab fleets did not start")
                time.sleep(0.05)
            print(
                f"{args.processes} lab fleets, {args.nodes} BMCs, up in "
                f"{time.monotonic() - began:.2f} s",
                flush=True,
            )
            targets = []
            for path in dirs:
                state = read_state(path)
                for node in state["nodes"]:
                    bmc = node["bmc"]
                    targets.append(
                        {
                            "deviceId": f"d-{path.name}-{node['sn']}",
                            "sn": node["sn"],
                            "bmc": {
                                "address": bmc["address"],
                                "port": bmc["port"],
                                "username": state["username"],
                                "password_encrypted": password,  # "decrypted" as is below
                                "interface": "native",
                            },
                        }
                    )

            def poll(target):
                return poll_device(target, None, policy=policy, decrypt=lambda secret: secret)

            began = time.monotonic()
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                results = list(pool.map(poll, targets))
            wall = time.monotonic() - began
            ok = sum(1 for report, _ in results if report["ok"])
            records = sum(count for _, count in results)
            frus = sum(1 for report, _ in results if report.get("fru"))
            print(
                f"poll ({args.concurrency} at once, cold): {wall:.2f} s, {ok} BMCs read, "
                f"{records} records, {frus} FRUs"
            )
            for report, _ in [r for r in results if not r[0]["ok"]][:5]:
                print(f"  {report['target']['sn']}: {report['error']}")

            sample = targets[: args.ipmitool_sample]
            began = time.monotonic()
            for target in sample:
                bmc = target["bmc"]
                credentials = BmcCredentials(bmc["address"], bmc["port"], bmc["username"], password)
                IpmitoolBackend(credentials, policy)._run("sel", "list")
            sample_wall = time.monotonic() - began
            ipmitool_wall = sample_wall / len(sample) * len(targets)
            print(
                f"sequential ipmitool sel list: {len(sample)} BMCs in {sample_wall:.2f} s, "
                f"extrapolated to {len(targets)}: {ipmitool_wall:.1f} s"
            )
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.wait(timeout=10)
    print(
        f"nodes={args.nodes} records={records} wall_s={wall:.2f} "
        f"ipmitool_ratio={ipmitool_wall / wall:.1f}"
    )
    return 0 if ok == args.nodes else 1


if __name__ == "__main__":
    sys.exit(main())

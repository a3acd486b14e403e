"""Provisioning storm: N lab servers created at once, from the API call to all ``running``.

    python bench/provision_storm.py --nodes 100 [--heartbeat 0.5]

Starts the platform as processes (``bmp_lab.platform``: openapi, its worker, the scheduler and
its gateway, a driver and a dhcp-agent; SQLite and a private redis-server unless
BMP_DATABASE_URL / BMP_BROKER_URL name others), a lab of N virtual servers with zero hardware
delay in a child process, enrols them, then creates N instances (100 per call) and polls until
every one is ``running`` (or failed). It then measures the broker floor in the same run: as many
plain Celery round trips (a no-op task through a worker on the same broker, same concurrency)
as the storm's driver and DHCP steps, and ends with one line:

    nodes=N running=R wall_s=… steps_per_s=… floor_ratio=…

(floor_ratio = storm wall time / floor wall time: what the platform costs above the broker.)
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bmp_common.messages.jobs import NO_RAID_ID
from bmp_lab import enrol
from bmp_lab.fleet import STATE_FILE
from bmp_lab.platform import Platform

SERVICES = (
    "bmp-openapi",
    "bmp-openapi-worker",
    "bmp-scheduler",
    "bmp-scheduler-gateway",
    "bmp-scheduler-gateway-tls",
)
BROKER_STEP_TARGETS = ("driver", "dhcp")


def start_lab(platform: Platform, nodes: int, state_dir: Path, password: str, heartbeat: float):
    env = {**platform.env, "BMP_LAB_BMC_PASSWORD": password}
    command = [
        sys.executable,
        "-m",
        "bmp_lab",
        "up",
        str(nodes),
        "--base-port",
        "0",
        "--state-dir",
        str(state_dir),
        "--gateway",
        f"http://127.0.0.1:{platform.gateway_port}",  # iPXE scripts; the agents then use HTTPS
        "--gateway-ca",
        str(platform.gateway_ca),
        "--heartbeat",
        str(heartbeat),
    ]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 120
    while not (state_dir / STATE_FILE).exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise SystemExit("the lab did not start")
        time.sleep(0.1)
    return child


def storm(platform: Platform, report: dict, nodes: int) -> tuple[float, dict[str, int]]:
    api = platform.api
    project_id = api.get("/user/projects")["projects"][0]["projectId"]
    started = time.monotonic()
    for first in range(0, nodes, 100):
        count = min(100, nodes - first)
        api.post(
            "/project/instances",
            {
                "idcId": report["idc_id"],
                "projectId": project_id,
                "deviceTypeId": report["device_type_id"],
                "imageId": report["image_id"],
                "systemVolumeRaidId": NO_RAID_ID,
                "instanceName": f"storm-{first}",
                "password": "Root-Pass-2026",
                "count": count,
            },
        )
    counts: dict[str, int] = {}
    while time.monotonic() - started < 600:
        # One cheap count per poll: the poll must not be what the platform spends its time on.
        if api.get("/project/instances", status="creating", pageSize=1)["totalCount"] == 0:
            break
        time.sleep(0.5)
    wall = time.monotonic() - started
    for instance in api.get("/project/instances", isAll=1)["instances"]:
        counts[instance["status"]] = counts.get(instance["status"], 0) + 1
    return wall, counts


def steps_done(platform: Platform) -> tuple[int, int]:
    """(all steps of CreateInstances jobs, those that went through the broker)."""
    query = (
        "SELECT s.target, COUNT(*) FROM scheduler_step s JOIN scheduler_job j ON s.job_id = j.id"
        " WHERE j.task = 'CreateInstances' AND s.status = 'succeeded' GROUP BY s.target"
    )
    rows = platform.sql(query)
    total = sum(count for _, count in rows)
    broker = sum(count for target, count in rows if target in BROKER_STEP_TARGETS)
    return total, broker


def _seconds(value) -> float:
    """A datetime column as epoch seconds (SQLite gives text, MySQL datetimes)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC).timestamp()


def step_profile(platform: Platform) -> str:
    """Per action: how long a step waited after the previous one ended, and how long it ran."""
    rows = platform.sql(
        "SELECT s.job_id, s.`index`, s.action, s.started_at, s.finished_at FROM scheduler_step s"
        " JOIN scheduler_job j ON s.job_id = j.id WHERE j.task = 'CreateInstances'"
        " AND s.status = 'succeeded' ORDER BY s.job_id, s.`index`"
    )
    waits: dict[str, list[float]] = {}
    runs: dict[str, list[float]] = {}
    order: list[str] = []
    previous_end: dict[int, float] = {}
    for job, _, action, started, finished in rows:
        start, end = _seconds(started), _seconds(finished)
        if action not in runs:
            order.append(action)
        runs.setdefault(action, []).append(end - start)
        if job in previous_end:
            waits.setdefault(action, []).append(start - previous_end[job])
        previous_end[job] = end
    lines = [f"{'action':<24}{'wait p50':>10}{'wait p95':>10}{'run p50':>10}{'run p95':>10}"]
    for action in order:
        wait = sorted(waits.get(action, [0.0]))
        run = sorted(runs[action])
        lines.append(
            f"{action:<24}{_pct(wait, 50):>10.3f}{_pct(wait, 95):>10.3f}"
            f"{_pct(run, 50):>10.3f}{_pct(run, 95):>10.3f}"
        )
    return "\n".join(lines)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and its living descendants (gunicorn workers, pools)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        if current in stats:
            total += (int(stats[current][11]) + int(stats[current][12])) / tick
        todo.extend(children.get(current, []))
    return total


def start_profilers(out: Path, pids: dict[str, int]) -> list[subprocess.Popen]:
    """py-spy (``pip install py-spy``, root) on every service: collapsed stacks per service."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--pid",
                str(pid),
                "--subprocesses",
                "--nonblocking",
                "--rate",
                "50",
                "--format",
                "raw",
                "--output",
                str(out / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]


def stop_profilers(profilers: list[subprocess.Popen]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
    for profiler in profilers:
        profiler.wait(timeout=60)


def _pct(values: list[float], pct: int) -> float:
    return values[min(len(values) - 1, len(values) * pct // 100)]


def broker_floor(platform: Platform, round_trips: int, concurrency: int) -> float:
    """Wall time of ``round_trips`` no-op tasks through a worker on the platform's broker."""
    env = {**platform.env, "PYTHONPATH": str(Path(__file__).parent)}
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "floor_app",
            "worker",
            "-Q",
            "bench.floor",
            "-P",
            "threads",
            "-c",
            str(concurrency),
            "--loglevel",
            "WARNING",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        os.environ.update({k: v for k, v in platform.env.items() if k.startswith("BMP_")})
        sys.path.insert(0, str(Path(__file__).parent))
        from floor_app import app, echo

        echo.apply_async((0,), queue="bench.floor").get(timeout=60)  # the worker is up
        started = time.monotonic()
        results = [echo.apply_async((n,), queue="bench.floor") for n in range(round_trips)]
        for result in results:
            result.get(timeout=600)
        elapsed = time.monotonic() - started
        app.close()
        return elapsed
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--heartbeat", type=float, default=5.0, help="longest idle poll (s)")
    parser.add_argument("--concurrency", type=int, default=8, help="scheduler/driver threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per API")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument(
        "--profile", type=Path, help="record the storm with py-spy: DIR/<service>.txt (stacks)"
    )
    args = parser.parse_args()
    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory(prefix="provision-storm-") as work:
        platform = Platform(
            Path(work),
            settings={
                "BMP_SCHEDULER_CONCURRENCY": str(args.concurrency),
                "BMP_DRIVER_CONCURRENCY": str(args.concurrency),
                "BMP_DRIVER_SOFT_OFF_GRACE": "0",
                "BMP_WORKERS": str(args.workers),
                "BMP_THREADS": str(args.threads),
                "BMP_LOG_LEVEL": "WARNING",
            },
        )
        lab = None
        try:
            platform.up(*SERVICES)
            platform.env["BMP_IDC_IDS"] = enrol.ensure_idc(platform.api, "lab")[0]
            platform.start("bmp-driver")
            platform.start("bmp-dhcp-agent")
            state_dir = Path(work) / "lab"
            lab = start_lab(platform, args.nodes, state_dir, password, args.heartbeat)
            state, _ = enrol.read_fleet(state_dir)
            enrolled = time.monotonic()
            report = enrol.enrol(
                platform.api, state, password, wait=True, timeout=600, say=lambda _: None
            )
            print(
                f"{args.nodes} servers enrolled and put away in "
                f"{time.monotonic() - enrolled:.1f} s",
                flush=True,
            )
            pids = {name: p.pid for name, p in platform.processes.items()} | {"lab": lab.pid}
            profilers = start_profilers(args.profile, pids) if args.profile else []
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            wall, counts = storm(platform, report, args.nodes)
            usage = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
            stop_profilers(profilers)
            total, broker = steps_done(platform)
            print(f"statuses: {counts}; steps: {total} ({broker} through the broker)", flush=True)
            print(step_profile(platform), flush=True)
            print(
                f"CPU s during the storm: {sum(usage.values()):.1f} ("
                + ", ".join(f"{k} {v:.1f}" for k, v in usage.items())
                + ")",
                flush=True,
            )
            floor = broker_floor(platform, broker + 2 * args.nodes, args.concurrency)
            print(f"broker floor: {broker + 2 * args.nodes} round trips in {floor:.2f} s")
        except BaseException:
            print(platform.log_tails(20), file=sys.stderr)
            raise
        finally:
            if lab is not None:
                lab.terminate()
                lab.wait(timeout=30)
            platform.stop()
    running = counts.get("running", 0)
    print(
        f"nodes={args.nodes} running={running} wall_s={wall:.2f} "
        f"steps_per_s={total / wall:.1f} floor_ratio={wall / floor:.1f}"
    )
    return 0 if running == args.nodes else 1


if __name__ == "__main__":
    sys.exit(main())

"""Provisioning storm: N lab servers created at once, from the API call to all ``running``.

    python bench/provision_storm.py --nodes 1000 [--db mariadb] [--broker rabbitmq]
        [--schedulers 2 --gateways 2] [--lab-processes K] [--heartbeat 5]

Starts the platform as processes (``bmp_lab.platform``: openapi, its worker, the scheduler and
its gateways, a driver and a dhcp-agent; SQLite and a private redis-server by default;
``--db mariadb`` / ``--broker rabbitmq`` use the servers of BMP_STORM_MYSQL_URL /
BMP_STORM_AMQP_URL, redis stays private), a lab of N virtual servers with zero hardware
delay spread over K child processes, enrols them, then creates N instances (100 per call) and
polls until every one is ``running`` (or failed). ``--schedulers`` and ``--gateways`` start
that many scheduler workers (one runs the sweep) and gateway processes (each of the plain and
the TLS gateway, sharing one port with SO_REUSEPORT).

After the storm it checks what the platform did, from the database and the flight recorder:
every step began once (attempt 1) and ended once, every job ended once, none is left queued or
running, no outbox message was left or sent again; it prints ``dup=`` and ``stuck=`` counts
and exits non-zero on any. It then measures the broker floor in the same run: as many plain
Celery round trips (a no-op task through a worker on the same broker, same concurrency) as the
storm's driver and DHCP steps, and ends with one line:

    nodes=N running=R wall_s=… steps_per_s=… floor_ratio=… db=… broker=… dup=0 stuck=0

(floor_ratio = storm wall time / floor wall time: what the platform costs above the broker.)
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bmp_common import flight
from bmp_common.messages import actions
from bmp_common.messages.jobs import NO_RAID_ID
from bmp_lab import enrol
from bmp_lab.fleet import STATE_FILE
from bmp_lab.platform import RUN_SERVICE, Platform, wait_http

BROKER_STEP_TARGETS = ("driver", "dhcp")
MYSQL_URL = os.environ.get("BMP_STORM_MYSQL_URL", "mysql://root@127.0.0.1:3306/")
AMQP_URL = os.environ.get("BMP_STORM_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
LAB_NODES_PER_PROCESS = 350  # a lab process serves this many servers before its CPU queues


def start_labs(
    platform: Platform, nodes: int, processes: int, work: Path, password: str, heartbeat: float
) -> tuple[list[subprocess.Popen], dict]:
    """``processes`` lab children sharing ``nodes`` servers (consecutive indexes: the SNs,
    MACs and addresses are those of one lab); their states merged into one for enrol."""
    env = {**platform.env, "BMP_LAB_BMC_PASSWORD": password}
    children, dirs = [], []
    per = -(-nodes // processes)
    for first in range(0, nodes, per):
        state_dir = work / f"lab{first}"
        command = [
            sys.executable,
            "-m",
            "bmp_lab",
            "up",
            str(min(per, nodes - first)),
            "--first-index",
            str(first + 1),
            "--base-port",
            "0",
            "--state-dir",
            str(state_dir),
            "--gateway",
            f"http://127.0.0.1:{platform.gateway_port}",  # iPXE; the agents then use HTTPS
            "--gateway-ca",
            str(platform.gateway_ca),
            "--heartbeat",
            str(heartbeat),
        ]
        children.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL))  # noqa: S603
        dirs.append(state_dir)
    deadline = time.monotonic() + 120
    while not all((state_dir / STATE_FILE).exists() for state_dir in dirs):
        if any(c.poll() is not None for c in children) or time.monotonic() > deadline:
            for child in children:
                child.kill()
            raise SystemExit("the lab did not start")
        time.sleep(0.1)
    states = [enrol.read_fleet(state_dir)[0] for state_dir in dirs]
    merged = {**states[0], "nodes": [node for state in states for node in state["nodes"]]}
    return children, merged


def start_platform(platform: Platform, schedulers: int, gateways: int) -> None:
    """openapi and its worker, ``schedulers`` scheduler workers (the first runs the beat), and
    ``gateways`` processes of each gateway on one port (SO_REUSEPORT: the kernel spreads the
    connections)."""
    platform.up("bmp-openapi", "bmp-openapi-worker")
    for n in range(schedulers):
        env = {} if n == 0 else {"BMP_SCHEDULER_BEAT": "0", "BMP_SCHEDULER_NODE": f"scheduler{n}"}
        platform.spawn(
            f"bmp-scheduler{n or ''}", ["bash", str(RUN_SERVICE), "bmp-scheduler"], env=env
        )
    reuse = {"GUNICORN_CMD_ARGS": "--reuse-port"} if gateways > 1 else {}
    for n in range(gateways):
        for service in ("bmp-scheduler-gateway", "bmp-scheduler-gateway-tls"):
            platform.spawn(f"{service}{n or ''}", ["bash", str(RUN_SERVICE), service], env=reuse)
        if n == 0:  # the first TLS gateway makes the CA and certificate the others use
            wait_http(f"http://127.0.0.1:{platform.gateway_port}/health", "the gateway")
            wait_http(
                f"https://127.0.0.1:{platform.gateway_tls_port}/health",
                "the TLS gateway",
                cafile=platform.gateway_ca,
            )


def storm(platform: Platform, report: dict, nodes: int) -> tuple[float, dict[str, int]]:
    api = platform.api
    api.timeout = 300  # a create of 100 on a machine shared with other work may take long
    project_id = api.get("/user/projects")["projects"][0]["projectId"]
    started = time.monotonic()
    calls = []
    for first in range(0, nodes, 100):
        count = min(100, nodes - first)
        call = time.monotonic()
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
        calls.append(time.monotonic() - call)
    print(
        f"creates: {len(calls)} calls in {time.monotonic() - started:.1f} s "
        f"(each {min(calls):.2f}-{max(calls):.2f} s)",
        flush=True,
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


def boot_phases(platform: Platform) -> str:
    """Where SetPXEBoot and Ping go, per job from the flight recorder (medians, seconds):
    the driver's first BMC call after the step began, the BMC's last answer, the scheduler
    recording the result, the
    server's first DHCP packet and boot file, the agent's first heartbeat, and its first
    results (Ping's end); with the heartbeats an install made."""
    jobs = platform.sql(
        "SELECT j.job_id, j.mac, j.agent_address FROM scheduler_job j"
        " WHERE j.task = 'CreateInstances'"
    )
    gaps: dict[str, list[float]] = {}
    beats: list[int] = []
    for job_id, mac, address in jobs:
        marks: dict[str, float] = {}
        count = 0
        for item in flight.read(job_id, nodes=[mac, address]):
            kind, detail, at = item["kind"], item.get("detail") or {}, item["time"]
            if kind == flight.STEP_BEGIN and detail.get("action") == actions.SET_PXE_BOOT:
                marks.setdefault("begun", at)
            elif kind == flight.BMC_CALL and detail.get("step") == actions.SET_PXE_BOOT:
                marks.setdefault("bmc", at)
                done = at + (detail.get("durationS") or 0)
                marks["answered"] = max(marks.get("answered", done), done)
            elif kind == flight.STEP_END and detail.get("action") == actions.SET_PXE_BOOT:
                marks.setdefault("recorded", at)
            elif kind == flight.DHCP_PACKET and "bmc" in marks:
                marks.setdefault("dhcp", at)
            elif kind == flight.FILE_FETCHED and "bmc" in marks:
                marks.setdefault("file", at)
            elif kind == flight.HEARTBEATS:
                marks["heartbeat"] = min(marks.get("heartbeat", at), at)
                count += detail.get("count", 0)
            elif kind == flight.STEP_END and detail.get("action") == actions.PING:
                marks.setdefault("results", at)
        beats.append(count)
        for earlier, later in (
            ("begun", "bmc"),
            ("bmc", "answered"),
            ("answered", "recorded"),
            ("bmc", "dhcp"),
            ("dhcp", "file"),
            ("file", "heartbeat"),
            ("heartbeat", "results"),
            ("recorded", "results"),
        ):
            if earlier in marks and later in marks:
                gaps.setdefault(f"{earlier}->{later}", []).append(marks[later] - marks[earlier])
    parts = [f"{name} {_pct(sorted(values), 50):.2f}" for name, values in gaps.items()]
    beats.sort()
    return (
        "boot phases (p50 s): " + ", ".join(parts) + f"; heartbeats per install p50 "
        f"{_pct(beats, 50):.0f} p95 {_pct(beats, 95):.0f}"
    )


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


def start_profilers(out: Path, pids: dict[str, int], gil: bool) -> list[subprocess.Popen]:
    """py-spy (root) on every service: raw stacks per service. py-spy is found on PATH, else
    beside the interpreter (it need not be installed in the platform's venv)."""
    out.mkdir(parents=True, exist_ok=True)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return [
        subprocess.Popen(  # noqa: S603
            [
                py_spy,
                "record",
                "--pid",
                str(pid),
                "--subprocesses",
                "--nonblocking",
                "--rate",
                "50",
                "--format",
                "raw",
                *(["--gil"] if gil else []),
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


def check_once(platform: Platform, logs: dict[Path, int]) -> dict[str, int]:
    """What must hold after the storm, from the database, the flight recorder and the logs of
    the scheduler and openapi's worker: ``dup`` counts steps begun or ended more than once (a
    second attempt, a second begin or end entry), jobs ended twice and messages the scheduler's
    sweep sent again; ``stuck`` counts jobs left queued or running, steps left waiting or
    running, and outbox rows left."""
    jobs = platform.sql(
        "SELECT j.job_id, j.status FROM scheduler_job j WHERE j.task = 'CreateInstances'"
    )
    stuck_jobs = sum(1 for _, status in jobs if status in ("queued", "running"))
    steps = platform.sql(
        "SELECT s.status, s.attempt - s.attempt_base FROM scheduler_step s"
        " JOIN scheduler_job j ON s.job_id = j.id WHERE j.task = 'CreateInstances'"
    )
    stuck_steps = sum(1 for status, _ in steps if status in ("waiting", "running"))
    retried = sum(1 for _, attempts in steps if attempts > 1)
    time.sleep(1.0)  # the outbox rows of the last sends are deleted in batches (0.2 s)
    outbox = platform.sql("SELECT COUNT(*) FROM scheduler_outbox")[0][0]
    begun_twice = ended_twice = jobs_ended_twice = 0
    for job_id, _ in jobs:
        begins: dict[int, int] = {}
        ends: dict[int, int] = {}
        ended = 0
        for item in flight.read(job_id):
            kind, detail = item["kind"], item["detail"]
            if kind == flight.STEP_BEGIN:
                begins[detail["index"]] = begins.get(detail["index"], 0) + 1
            elif kind == flight.STEP_END:
                ends[detail["index"]] = ends.get(detail["index"], 0) + 1
            elif kind == flight.JOB_ENDED:
                ended += 1
        begun_twice += sum(1 for count in begins.values() if count > 1)
        ended_twice += sum(1 for count in ends.values() if count > 1)
        jobs_ended_twice += ended > 1
    # What the sweeps sent again (the scheduler: messages to the driver, dhcp-agent and
    # openapi; openapi: submissions, which the scheduler takes once) and openapi's questions.
    told: dict[tuple[str, str], int] = {}
    for path, offset in logs.items():
        who = "scheduler" if path.name.startswith("bmp-scheduler") else "openapi"
        with open(path, "rb") as log:
            log.seek(offset)
            for line in log.read().decode(errors="replace").splitlines():
                for what in ("outbox: sent", "reconciliation: asked the scheduler about"):
                    if what in line:
                        count = int(line.split(what, 1)[1].split()[0])
                        told[who, what] = told.get((who, what), 0) + count
    found = {
        "jobs": len(jobs),
        "retried": retried,
        "begun_twice": begun_twice,
        "ended_twice": ended_twice,
        "jobs_ended_twice": jobs_ended_twice,
        "resent": told.get(("scheduler", "outbox: sent"), 0),
        "resubmitted": told.get(("openapi", "outbox: sent"), 0),  # not a step: not in dup
        "reconciled": told.get(("openapi", "reconciliation: asked the scheduler about"), 0),
        "stuck_jobs": stuck_jobs,
        "stuck_steps": stuck_steps,
        "outbox_left": outbox,
    }
    found["dup"] = retried + begun_twice + ended_twice + jobs_ended_twice + found["resent"]
    found["stuck"] = stuck_jobs + stuck_steps + outbox
    return found


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
    parser.add_argument("--db", choices=("sqlite", "mariadb"), default="sqlite")
    parser.add_argument("--broker", choices=("redis", "rabbitmq"), default="redis")
    parser.add_argument(
        "--vhost", help="RabbitMQ vhost to (re)create and use (default: one made for the run)"
    )
    parser.add_argument(
        "--db-prefix", default="", help="prefix of the MariaDB databases the run makes"
    )
    parser.add_argument("--schedulers", type=int, default=1, help="scheduler worker processes")
    parser.add_argument("--gateways", type=int, default=1, help="processes of each gateway")
    parser.add_argument(
        "--lab-processes",
        type=int,
        default=0,
        help=f"lab processes (default: one per {LAB_NODES_PER_PROCESS} servers)",
    )
    parser.add_argument("--heartbeat", type=float, default=5.0, help="longest idle poll (s)")
    parser.add_argument("--concurrency", type=int, default=8, help="scheduler/driver threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per API")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument(
        "--profile", type=Path, help="record the storm with py-spy: DIR/<service>.txt (stacks)"
    )
    parser.add_argument(
        "--gil", action="store_true", help="with --profile: CPU only (the thread holding the GIL)"
    )
    parser.add_argument("--logs", type=Path, help="copy the services' logs to DIR at the end")
    args = parser.parse_args()
    # SIGTERM (a background run cannot be interrupted) ends the run through its clean-up: the
    # platform's services, the lab and the run's database and vhost go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    password = secrets.token_urlsafe(12)
    lab_processes = args.lab_processes or -(-args.nodes // LAB_NODES_PER_PROCESS)
    settings = {
        "BMP_SCHEDULER_CONCURRENCY": str(args.concurrency),
        "BMP_DRIVER_CONCURRENCY": str(args.concurrency),
        "BMP_DRIVER_SOFT_OFF_GRACE": "0",
        "BMP_WORKERS": str(args.workers),
        "BMP_THREADS": str(args.threads),
        "BMP_LOG_LEVEL": "WARNING",
    }
    os.environ.pop("BMP_DATABASE_URL", None)
    os.environ.pop("BMP_BROKER_URL", None)
    if args.db == "mariadb":
        os.environ["BMP_DATABASE_URL"] = MYSQL_URL
    if args.broker == "rabbitmq":
        if args.vhost:
            settings["BMP_BROKER_URL"] = fresh_vhost(args.vhost)
        else:
            os.environ["BMP_BROKER_URL"] = AMQP_URL
    print(
        f"database={args.db} broker={args.broker} schedulers={args.schedulers} "
        f"gateways={args.gateways} lab_processes={lab_processes}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="provision-storm-") as work:
        platform = Platform(Path(work), settings=settings, db_prefix=args.db_prefix)
        if args.broker == "rabbitmq" and not args.vhost:
            # redis stays private (the cache, results, the flight recorder); RabbitMQ brokers
            platform.env.pop("BMP_REDIS_URL", None)
            platform._private_redis()
        labs: list[subprocess.Popen] = []
        try:
            start_platform(platform, args.schedulers, args.gateways)
            platform.env["BMP_IDC_IDS"] = enrol.ensure_idc(platform.api, "lab")[0]
            platform.start("bmp-driver")
            platform.start("bmp-dhcp-agent")
            labs, state = start_labs(
                platform, args.nodes, lab_processes, Path(work), password, args.heartbeat
            )
            enrolled = time.monotonic()
            report = enrol.enrol(
                platform.api, state, password, wait=True, timeout=600, say=lambda _: None
            )
            print(
                f"{args.nodes} servers enrolled and put away in "
                f"{time.monotonic() - enrolled:.1f} s",
                flush=True,
            )
            pids = {name: p.pid for name, p in platform.processes.items()} | {
                f"lab{n or ''}": lab.pid for n, lab in enumerate(labs)
            }
            logs = {path: path.stat().st_size for path in platform.logs.glob("bmp-scheduler*.log")}
            profilers = start_profilers(args.profile, pids, args.gil) if args.profile else []
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
            os.environ.update({k: v for k, v in platform.env.items() if k.startswith("BMP_")})
            flight.reset_client()
            print(boot_phases(platform), flush=True)
            checks = check_once(platform, logs)
            print("checks: " + " ".join(f"{k}={v}" for k, v in checks.items()), flush=True)
            floor = broker_floor(platform, broker + 2 * args.nodes, args.concurrency)
            print(f"broker floor: {broker + 2 * args.nodes} round trips in {floor:.2f} s")
        except BaseException:
            print(platform.log_tails(20), file=sys.stderr)
            raise
        finally:
            for lab in labs:
                lab.terminate()
            for lab in labs:
                lab.wait(timeout=30)
            platform.stop()
            if args.logs:
                shutil.copytree(platform.logs, args.logs, dirs_exist_ok=True)
    running = counts.get("running", 0)
    print(
        f"nodes={args.nodes} running={running} wall_s={wall:.2f} "
        f"steps_per_s={total / wall:.1f} floor_ratio={wall / floor:.1f} "
        f"db={args.db} broker={args.broker} schedulers={args.schedulers} "
        f"gateways={args.gateways} dup={checks['dup']} stuck={checks['stuck']} "
        f"load={os.getloadavg()[0]:.1f}"
    )
    ok = running == args.nodes and checks["dup"] == 0 and checks["stuck"] == 0
    return 0 if ok else 1


def fresh_vhost(vhost: str) -> str:
    """``vhost`` deleted and made again (nothing left from an earlier run: step ids restart
    with each database), guest's permissions on it; its URL."""
    ctl = shutil.which("rabbitmqctl") or "rabbitmqctl"
    subprocess.run([ctl, "delete_vhost", vhost], capture_output=True, timeout=60)  # noqa: S603
    for command in (
        ["add_vhost", vhost],
        ["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
    ):
        subprocess.run([ctl, *command], capture_output=True, timeout=60, check=True)  # noqa: S603
    return AMQP_URL.rstrip("/") + "/" + vhost


if __name__ == "__main__":
    sys.exit(main())

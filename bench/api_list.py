"""Benchmark: the device and instance lists over N devices and N instances, through gunicorn.

Seeds N devices and N instances (one on each device, spread over 100 tenants of one default
project each) with bulk inserts into a throwaway SQLite file, or with ``--mariadb URL`` into that
MariaDB database (created if missing, migrated; dropped at the end unless ``--keep``, and a kept
database that already holds N rows is reused without seeding). Starts openapi as production
runs it (gunicorn, gthread workers, ``bmp_common.gunicorn_conf``), once per profile, on unix
sockets in a private directory, with a private redis-server there too. Then, for every filter
upstream offers on ``GET /v1/devices`` and ``GET /v1/project/instances`` (by an admin on the
operation profile: the whole fleet) and on the tenant's project instance list (the console
profile: a user's own instances and those shared with them), it times the HTTP call over a
kept-alive connection, and replays the SELECTs the same request ran (captured in this process
through Django's test client) with ``cursor.execute`` as the baseline. One line per query:

    list=devices query=sn p50_ms=… p95_ms=… base_p95_ms=… sql_p50_ms=… sql_p95_ms=…
        sql_ratio=… queries=… total=… cpu_p50_ms=… base_cpu_p50_ms=… load=…

(``base_p95_ms``: the p95 of a trivial authenticated call, ``GET /v1/local/users``, through the
same gunicorn and DRF, timed in turns with the query: what the machine's load costs that
minute; ``cpu_p50_ms``, ``base_cpu_p50_ms``: the CPU the gunicorn's processes spent on one
call of the query and of the trivial call (median; read from ``/proc/PID/task/*/schedstat``,
kernel time included), which the load skews far less than the wall clock: what the code costs;
``load``: the 1-minute load average after the line's runs)

(on MariaDB followed by ``plan_rows=… filesorts=…``: what EXPLAIN expects the statements to
read, and how many sort their rows; the machine's load does not skew these)

and a last line over every call (sql_ratio = API p50 / SQL p50: what gunicorn, Django, DRF,
authentication and rendering add to the database's own work):

    rows=100000 p50_ms=… p95_ms=… worst_p95_ms=… base_p95_ms=… sql_ratio=… cpu_p50_ms=…
        base_cpu_p50_ms=…

The device statuses and instance statuses are spread over the rows for the filters' sake, not
as the platform would leave them.

    python bench/api_list.py [--rows 100000] [--runs 30] [--mariadb mysql://root@127.0.0.1:3306/x]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import ipaddress
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_ROOTS = [ROOT / "shared", ROOT / "services" / "openapi"]
for package_root in PACKAGE_ROOTS:
    sys.path.insert(0, str(package_root))

TENANTS = 100  # instances are spread over this many users, one default project each
BENCH_IDC = "bench-api-list"  # marks the seeded rows (a kept database is reused)
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

# (list, query name, path with {placeholders} filled from the seeded rows). "sn" is a
# substring filter: a selective one (10 devices), a whole serial number and a broad one.
QUERIES = [
    ("devices", "all", "/v1/devices?pageSize=20"),
    ("devices", "middle_page", "/v1/devices?pageSize=20&pageNumber={middle_page}"),
    ("devices", "idcId", "/v1/devices?idcId={idc_id}"),
    ("devices", "sn", "/v1/devices?sn=000987"),
    ("devices", "sn_whole", "/v1/devices?sn={sn}"),
    ("devices", "sn_broad", "/v1/devices?sn=SN"),
    ("devices", "instanceId", "/v1/devices?instanceId={instance_id}"),
    ("devices", "instanceName", "/v1/devices?instanceName={instance_name}"),
    ("devices", "deviceTypeId", "/v1/devices?deviceTypeId={device_type_id}"),
    ("devices", "manageStatus", "/v1/devices?manageStatus=putaway"),
    ("devices", "idc+status", "/v1/devices?idcId={idc_id}&manageStatus=putaway,putawayfail"),
    ("devices", "iloIp", "/v1/devices?iloIp={ilo_ip}"),
    ("devices", "ipv4", "/v1/devices?ipv4={ipv4}"),
    ("devices", "ipv6", "/v1/devices?ipv6={ipv6}"),
    ("devices", "deviceSeries", "/v1/devices?deviceSeries=storage"),
    ("devices", "userId", "/v1/devices?userId={user_id}"),
    ("devices", "userName", "/v1/devices?userName={user_name}"),
    ("devices", "collectStatus", "/v1/devices?collectStatus=1"),
    ("instances", "all", "/v1/project/instances?pageSize=20"),
    ("instances", "middle_page", "/v1/project/instances?pageSize=20&pageNumber={middle_page}"),
    ("instances", "instanceId", "/v1/project/instances?instanceId={instance_id}"),
    ("instances", "instanceName", "/v1/project/instances?instanceName={instance_name}"),
    ("instances", "deviceTypeId", "/v1/project/instances?deviceTypeId={device_type_id}"),
    ("instances", "status", "/v1/project/instances?status=stopped"),
    ("instances", "deviceId", "/v1/project/instances?deviceId={device_id}"),
    ("instances", "sn", "/v1/project/instances?sn=000987"),
    ("instances", "sn_broad", "/v1/project/instances?sn=SN"),
    ("instances", "idcId", "/v1/project/instances?idcId={idc_id}"),
    ("instances", "projectId", "/v1/project/instances?projectId={project_id}"),
    ("instances", "ilo_ip", "/v1/project/instances?ilo_ip={ilo_ip}"),
    ("instances", "ipv4", "/v1/project/instances?ipv4={ipv4}"),
    ("instances", "ipv6", "/v1/project/instances?ipv6={ipv6}"),
    ("tenant", "all", "/v1/project/instances?pageSize=20"),
    ("tenant", "projectId", "/v1/project/instances?projectId={project_id}"),
    ("tenant", "status", "/v1/project/instances?status=stopped"),
    ("tenant", "sn", "/v1/project/instances?sn=00012"),
    ("tenant", "instanceName", "/v1/project/instances?instanceName=bench-00012"),
    ("tenant", "deviceId", "/v1/project/instances?deviceId={device_id}"),
]
DEVICE_STATUSES = ("in", "putaway", "putawayfail", "created", "created", "created", "removed")
INSTANCE_STATUSES = ("running", "running", "running", "stopped", "Creation failed", "creating")


def configure(mariadb: str | None, work: Path) -> None:
    """Environment for Django and for the gunicorn processes (which inherit it)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bmp_openapi.settings"
    os.environ.setdefault("BMP_SECRET_KEY", base64.urlsafe_b64encode(os.urandom(40)).decode())
    os.environ.setdefault("BMP_ENCRYPTION_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    os.environ["BMP_LOG_LEVEL"] = "WARNING"
    os.environ["BMP_DATA_DIR"] = str(work)
    os.environ["BMP_RUN_DIR"] = str(work)
    os.environ["BMP_REDIS_URL"] = f"unix://{work / 'redis.sock'}"
    os.environ["BMP_DATABASE_URL"] = mariadb or f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [*map(str, PACKAGE_ROOTS), os.environ.get("PYTHONPATH", "")]
    )


def create_mariadb_database(url: str) -> None:
    import MySQLdb

    parts = urlsplit(url)
    connection = MySQLdb.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
    )
    name = parts.path.lstrip("/")
    connection.cursor().execute(
        f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
    connection.close()


def drop_mariadb_database() -> None:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE `{name}`")


def fast_id(rng: random.Random, prefix: str) -> str:
    """An id shaped as ``bmp_common.ids.new_id`` makes them, without a CSPRNG call per letter."""
    return f"{prefix}-{''.join(rng.choices(ID_ALPHABET, k=28))}"


def seed(rows: int) -> None:
    """An IDC, two device types, an image, 100 tenants, ``rows`` devices and instances."""
    from django.db import connection, transaction

    from bmp_common.crypto import encrypt_secret
    from bmp_common.ids import new_password
    from bmp_openapi.accounts.choices import ROLE_USER
    from bmp_openapi.accounts.services import user_create
    from bmp_openapi.catalog.models import DeviceType, Image, Os
    from bmp_openapi.devices.models import Device
    from bmp_openapi.idcs.models import Idc
    from bmp_openapi.instances.models import Instance
    from bmp_openapi.projects.models import Project

    rng = random.Random(22)  # noqa: S311 (ids of bench rows, not secrets)
    started = time.perf_counter()
    idc = Idc.objects.create(idc_id=fast_id(rng, "idc"), name=BENCH_IDC, name_en=BENCH_IDC)
    device_types = [
        DeviceType.objects.create(
            device_type_id=fast_id(rng, "dt"),
            idc=idc,
            name=f"bench-{series}",
            device_type=f"cps.bench.{series}",
            device_series=series,
            architecture="x86_64",
            height=2,
            cpu_spec="common",
            cpu_amount=2,
            cpu_cores=16,
            cpu_manufacturer="Intel",
            cpu_model="6338",
            cpu_frequency="2.0",
            mem_spec="common",
            mem_type="DDR4",
            mem_size=32,
            mem_amount=16,
            mem_frequency=3200,
            nic_amount=2,
            nic_rate=25,
            interface_mode="bond",
            boot_mode="UEFI",
        )
        for series in ("computer", "storage", "gpu")
    ]
    os_row = Os.objects.create(
        os_id=fast_id(rng, "o"),
        os_name="bench-os",
        os_type="Ubuntu",
        os_version="22.04",
        architecture="x86_64",
    )
    image = Image.objects.create(
        image_id=fast_id(rng, "i"),
        image_name="bench-image",
        os=os_row,
        format="tar",
        filename="bench.tar",
        url="http://127.0.0.1/bench.tar",
        hash="0" * 32,
        source="common",
        boot_mode="UEFI",
    )
    tenants = [
        user_create(user_name=f"bench-user-{n:03d}", password=new_password(), role_id=ROLE_USER)
        for n in range(TENANTS)
    ]
    projects = {p.user_id: p for p in Project.objects.filter(user__in=tenants, is_default=True)}
    password = encrypt_secret("Bench-Bmc-1")
    devices, instances = [], []
    for number in range(rows):
        high, low = divmod(number, 200)
        device_type = device_types[number % 3]
        tenant = tenants[number % TENANTS]
        instance_id = fast_id(rng, "bmp")
        devices.append(
            Device(
                device_id=fast_id(rng, "d"),
                sn=f"SN{number:07d}X",
                idc=idc,
                device_type=device_type,
                manage_status=DEVICE_STATUSES[number % len(DEVICE_STATUSES)],
                collect_status=str(number % 2 + 1),
                cabinet=f"A{high:03d}",
                u_position=str(low % 42 + 1),
                mac1=f"0c:{high // 256:02x}:{high % 256:02x}:{low:02x}:00:01",
                mac2=f"0c:{high // 256:02x}:{high % 256:02x}:{low:02x}:00:02",
                private_ipv4=f"10.{high // 250}.{high % 250 + 1}.{low + 10}",
                private_ipv6=ipaddress.IPv6Address(f"fd00::{high:x}:{low:x}").compressed,
                mask="255.0.0.0",
                gateway="10.255.255.254",
                ilo_ip=f"11.{high // 250}.{high % 250 + 1}.{low + 10}",
                ilo_user="root",
                ilo_password_encrypted=password,
                instance_id=instance_id,
                user_id=tenant.user_id,
                user_name=tenant.user_name,
                created_by="bench",
                updated_by="bench",
            )
        )
    with transaction.atomic():
        Device.objects.bulk_create(devices, batch_size=2000)
    by_sn = dict(Device.objects.filter(idc=idc).values_list("sn", "pk"))
    for number, device in enumerate(devices):
        tenant = tenants[number % TENANTS]
        instances.append(
            Instance(
                instance_id=device.instance_id,
                instance_name=f"bench-{number:07d}",
                hostname=f"host-{number}",
                project=projects[tenant.pk],
                user=tenant,
                idc=idc,
                device_id=by_sn[device.sn],
                device_type=device.device_type,
                image=image,
                created_by=tenant.user_name,
                updated_by=tenant.user_name,
            )
        )
    with transaction.atomic():
        Instance.objects.bulk_create(instances, batch_size=2000)
        # Not transitions: bench data, spread over the statuses the filters select.
        whens = " ".join(f"WHEN {n} THEN %s" for n in range(len(INSTANCE_STATUSES)))
        with connection.cursor() as cursor:
            cursor.execute(
                # Our constants only; the statuses are parameters.
                f"UPDATE instance SET status = CASE id %% {len(INSTANCE_STATUSES)} {whens} END",  # noqa: S608
                list(INSTANCE_STATUSES),
            )
    if connection.vendor == "mysql":
        # The statistics a day of normal writes would have given the optimizer: InnoDB updates
        # them in the background after a bulk load, and until then the first minutes of the
        # bench measured plans made for empty tables.
        with connection.cursor() as cursor:
            cursor.execute("SHOW TABLES")
            tables = [name for (name,) in cursor.fetchall()]
            cursor.execute("ANALYZE TABLE " + ", ".join(f"`{name}`" for name in tables))
            cursor.fetchall()
    print(f"seeded rows={rows} seconds={time.perf_counter() - started:.1f}", flush=True)


def seeded(rows: int) -> bool:
    from bmp_openapi.devices.models import Device
    from bmp_openapi.instances.models import Instance

    devices = Device.objects.filter(idc__name=BENCH_IDC).count()
    return devices == rows and Instance.objects.filter(device__idc__name=BENCH_IDC).count() == rows


def principals() -> tuple[str, str, dict]:
    """API keys of an admin (operation profile) and of a tenant (console profile), and the
    values the queries' placeholders take."""
    from bmp_common.ids import new_password
    from bmp_openapi.accounts.choices import ROLE_ADMIN
    from bmp_openapi.accounts.models import User
    from bmp_openapi.accounts.services import apikey_create, user_create
    from bmp_openapi.devices.models import Device
    from bmp_openapi.instances.models import Instance
    from bmp_openapi.projects.models import Project, SharingProject

    admin = User.objects.filter(user_name="bench-admin").first() or user_create(
        user_name="bench-admin", password=new_password(), role_id=ROLE_ADMIN
    )
    _, admin_token = apikey_create(user=admin, name=f"bench-{time.time_ns()}", source="operation")
    tenant = User.objects.get(user_name="bench-user-000")
    _, tenant_token = apikey_create(user=tenant, name=f"bench-{time.time_ns()}", source="console")
    # The tenant also sees a project shared whole and a few instances of another.
    for owner_name, whole in (("bench-user-001", True), ("bench-user-002", False)):
        project = Project.objects.get(user__user_name=owner_name, is_default=True)
        share, _ = SharingProject.objects.get_or_create(
            project=project, shared_user=tenant, defaults={"whole_project": whole}
        )
        if not whole:
            share.instances.set(Instance.objects.filter(project=project)[:50])
    device = Device.objects.filter(idc__name=BENCH_IDC).order_by("pk")[1234]
    instance = Instance.objects.select_related("project").get(device=device)
    rows = Device.objects.filter(idc__name=BENCH_IDC).count()
    values = {
        "middle_page": max(1, rows // 40),
        "idc_id": device.idc.idc_id,
        "sn": device.sn,
        "instance_id": instance.instance_id,
        "instance_name": instance.instance_name,
        "device_type_id": device.device_type.device_type_id,
        "device_id": device.device_id,
        "ilo_ip": device.ilo_ip,
        "ipv4": device.private_ipv4,
        "ipv6": device.private_ipv6,
        "user_id": device.user_id,
        "user_name": device.user_name,
        "project_id": instance.project.project_id,
    }
    tenant_instance = Instance.objects.filter(user=tenant).select_related("device", "project")[7]
    tenant_values = {
        **values,
        "project_id": tenant_instance.project.project_id,
        "device_id": tenant_instance.device.device_id,
    }
    return admin_token, tenant_token, {"admin": values, "tenant": tenant_values}


def start_redis(work: Path) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", "0", "--unixsocket", str(work / "redis.sock"), "--save", ""],  # noqa: S607
        cwd=work,
        stdout=subprocess.DEVNULL,
    )
    wait_for_socket(work / "redis.sock")
    return process


def start_gunicorn(work: Path, profile: str, workers: int) -> subprocess.Popen:
    """openapi as deploy/local/run-service.sh starts it, bound to a unix socket."""
    sock = work / f"{profile}.sock"
    process = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "bmp_openapi.wsgi:application",
            "-c",
            "python:bmp_common.gunicorn_conf",
            "--bind",
            f"unix:{sock}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--timeout",
            "60",
            "--no-control-socket",
            "--error-logfile",
            str(work / f"{profile}.log"),
        ],
        env={**os.environ, "BMP_OPENAPI_PROFILE": profile},
        cwd=work,
    )
    wait_for_socket(sock)
    return process


def wait_for_workers(server: subprocess.Popen, workers: int, timeout: float = 60) -> None:
    """Until the gunicorn master has forked its workers (their CPU is what a call costs)."""
    deadline = time.monotonic() + timeout
    while len(process_tree(server.pid)) < workers + 1:
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn {server.pid} did not fork {workers} workers")
        time.sleep(0.1)


def wait_for_socket(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{path} did not appear")


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path):
        super().__init__("localhost", timeout=60)
        self.path = str(path)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(self.path)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a gunicorn master and its workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        todo += [int(child) for child in children]
    return found


def cpu_ns(pids: list[int]) -> int:
    """Nanoseconds on a CPU so far of every thread of ``pids`` (kernel time included), read
    from schedstat: what serving costs, which the machine's load skews far less than the wall
    clock (a request waiting for a core costs no CPU)."""
    total = 0
    for pid in pids:
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except (FileNotFoundError, ProcessLookupError):
            continue
        for task in tasks:
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                pass  # a thread that just ended
    return total


class Client:
    """A kept-alive HTTP connection to one gunicorn, with one caller's key; ``server``: the
    gunicorn's master, whose processes' CPU each call is charged with."""

    def __init__(self, sock: Path, token: str, server: subprocess.Popen):
        self.sock, self.token = sock, token
        self.connection = UnixConnection(sock)
        self.server_pids = process_tree(server.pid)

    def get(self, path: str) -> dict:
        headers = {"Authorization": f"Bearer {self.token}", "Host": "localhost"}
        for attempt in (1, 2):
            try:
                self.connection.request("GET", path, headers=headers)
                answer = self.connection.getresponse()
                body = answer.read()
                break
            except (http.client.HTTPException, OSError):
                # gunicorn closed the kept-alive connection (its keepalive timeout): once more.
                self.connection.close()
                self.connection = UnixConnection(self.sock)
                if attempt == 2:
                    raise
        assert answer.status == 200, (path, answer.status, body[:300])
        return json.loads(body)


# A trivial authenticated call through the same gunicorn, DRF, authentication and envelope:
# the caller's own user (describeLocalUser, a read by primary key). Timed in turns with each
# query, its p95 is the floor the machine's load gives that minute.
BASELINE_PATH = "/v1/local/users"


def time_api(client: Client, path: str, runs: int) -> dict[str, list[float]]:
    """The query's and the baseline's samples, taken in turns (the same minutes' load): wall
    milliseconds at the client (``api``, ``base``) and CPU milliseconds in the gunicorn's
    processes (``api_cpu``, ``base_cpu``)."""
    samples = {"api": [], "base": [], "api_cpu": [], "base_cpu": []}
    for _ in range(runs):
        for target, name in ((path, "api"), (BASELINE_PATH, "base")):
            cpu = cpu_ns(client.server_pids)
            start = time.perf_counter()
            client.get(target)
            samples[name].append((time.perf_counter() - start) * 1000)
            samples[f"{name}_cpu"].append((cpu_ns(client.server_pids) - cpu) / 1e6)
    return samples


@contextmanager
def profile(name: str):
    from django.test import override_settings

    with override_settings(BMP_OPENAPI_PROFILE=name):
        yield


def captured_sql(token: str, profile_name: str, path: str) -> tuple[list[str], dict]:
    """The SELECTs the API runs for ``path`` (through Django's test client in this process)
    and its answer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    with profile(profile_name), CaptureQueriesContext(connection) as captured:
        answer = client.get(path, HTTP_HOST="localhost")
    assert answer.status_code == 200, answer.content[:300]
    statements = [q["sql"] for q in captured.captured_queries]
    return [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")], answer.json()


def time_sql(statements: list[str], runs: int) -> list[float]:
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            start = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def plan_summary(statements: list[str]) -> str:
    """On MariaDB, what EXPLAIN says of the statements, which the machine's load does not skew:
    the rows the planner expects to read (summed over tables and statements) and how many
    statements sort their rows instead of reading them in index order."""
    from django.db import connection

    if connection.vendor != "mysql":
        return ""
    rows, sorts = 0, 0
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute("EXPLAIN " + sql)
            columns = [column[0] for column in cursor.description]
            plan = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            # "rows" is a number, or "1 (0%)" for some steps of a semi-join.
            rows += sum(int(str(step["rows"] or 0).split()[0]) for step in plan)
            sorts += any("filesort" in (step["Extra"] or "") for step in plan)
    return f" plan_rows={rows} filesorts={sorts}"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--mariadb", help="mysql://user[:password]@host:port/database")
    parser.add_argument("--keep", action="store_true", help="keep the MariaDB database")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per profile")
    parser.add_argument(
        "--only", help="run the queries whose list:name contains one of these (comma-separated)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bmp-bench-"))
    # Stopped (kill PID), the bench still stops its gunicorns and redis-server on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    configure(args.mariadb, work)
    if args.mariadb:
        create_mariadb_database(args.mariadb)
    processes = [start_redis(work)]
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if not seeded(args.rows):
            seed(args.rows)
        admin_token, tenant_token, values = principals()
        operation = start_gunicorn(work, "operation", args.workers)
        console = start_gunicorn(work, "console", args.workers)
        processes += [operation, console]
        wait_for_workers(operation, args.workers)
        wait_for_workers(console, args.workers)
        operation_sock, console_sock = work / "operation.sock", work / "console.sock"
        clients = {
            "devices": (Client(operation_sock, admin_token, operation), "operation", admin_token),
            "instances": (Client(operation_sock, admin_token, operation), "operation", admin_token),
            "tenant": (Client(console_sock, tenant_token, console), "console", tenant_token),
        }
        api_all, sql_all, base_all, worst = [], [], [], 0.0
        cpu_all, base_cpu_all = [], []
        for list_name, name, template in QUERIES:
            if args.only and not any(
                part in f"{list_name}:{name}" for part in args.only.split(",")
            ):
                continue
            client, profile_name, token = clients[list_name]
            path = template.format(**values["tenant" if list_name == "tenant" else "admin"])
            statements, expected = captured_sql(token, profile_name, path)
            answer = client.get(path)
            # The HTTP answer and the in-process one are the same rows (the baseline is fair).
            plural = "devices" if list_name == "devices" else "instances"
            key = "deviceId" if plural == "devices" else "instanceId"
            assert [row[key] for row in answer["result"][plural]] == [
                row[key] for row in expected["result"][plural]
            ], path
            time_api(client, path, 5)  # warm up
            timed = time_api(client, path, args.runs)
            api, base = timed["api"], timed["base"]
            sql = time_sql(statements, args.runs)
            api_all += api
            sql_all += sql
            base_all += base
            cpu_all += timed["api_cpu"]
            base_cpu_all += timed["base_cpu"]
            worst = max(worst, percentile(api, 0.95))
            print(
                f"list={list_name} query={name} p50_ms={statistics.median(api):.2f} "
                f"p95_ms={percentile(api, 0.95):.2f} base_p95_ms={percentile(base, 0.95):.2f} "
                f"sql_p50_ms={statistics.median(sql):.2f} sql_p95_ms={percentile(sql, 0.95):.2f} "
                f"sql_ratio={statistics.median(api) / statistics.median(sql):.1f} "
                f"queries={len(statements)} total={answer['result']['totalCount']} "
                f"cpu_p50_ms={statistics.median(timed['api_cpu']):.2f} "
                f"base_cpu_p50_ms={statistics.median(timed['base_cpu']):.2f} "
                f"load={os.getloadavg()[0]:.1f}" + plan_summary(statements),
                flush=True,
            )
        print(
            f"rows={args.rows} p50_ms={statistics.median(api_all):.2f} "
            f"p95_ms={percentile(api_all, 0.95):.2f} worst_p95_ms={worst:.2f} "
            f"base_p95_ms={percentile(base_all, 0.95):.2f} "
            f"sql_ratio={statistics.median(api_all) / statistics.median(sql_all):.1f} "
            f"cpu_p50_ms={statistics.median(cpu_all):.2f} "
            f"base_cpu_p50_ms={statistics.median(base_cpu_all):.2f}"
        )
        if args.mariadb and not args.keep:
            drop_mariadb_database()
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The service images, built for real without a Docker engine and started with podman.

`./bmp-build-image.sh build` runs as a user would run it on a host with no engine and no registry:
buildah (chroot isolation) on the local Debian base that mmdebstrap makes, with the shared
dependency layer from wheels built on this host. The images then run with podman (runc, cgroupfs:
what works inside this CI container), each in its own network namespace (slirp4netns) with its
port published on 127.0.0.1 only and the host's loopback reachable as 10.0.2.2: each answers its
own HEALTHCHECK, and bmp-openapi migrates a MariaDB database and serves /swagger.json.

Root and Debian's buildah, podman, mmdebstrap, runc and slirp4netns are needed; a missing one
fails the test.
Every image is built (`build all`: no build step reaches the network once the host has fetched
the .debs, wheels and the consoles' packages), built again with nothing changed (no image is
built: each is up to date by the hash of its inputs) and inspected; those whose healthcheck
needs no middleware, and openapi and monitor-proxy with MariaDB and a private Redis, are started.
Selected with `pytest -m images`; run-tests.sh runs it with BMP_TEST_IMAGES=1 or background
(CI: .ci/run).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bmp_common.testing.ports import free_port

pytestmark = pytest.mark.images

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("buildah", "podman", "mmdebstrap", "runc", "slirp4netns")
# The host's 127.0.0.1 as a container sees it (slirp4netns allow_host_loopback).
HOST = "10.0.2.2"
REGISTRY = "localhost/bmp-test"
TAG = "smoke"
# Service built -> image name: every image of `build all`.
SERVICES = {
    name: f"bmp-{name}"
    for name in (
        "openapi",
        "console-api",
        "operation-api",
        "scheduler",
        "tftp",
        "image",
        "rsyslog",
        "oob-alert",
        "driver",
        "dhcp-agent",
        "oob-agent",
        "pronoea",
        "monitor-proxy",
        "console-web",
        "operation-web",
    )
}
PODMAN_RUN = [
    "podman",
    "run",
    "--detach",
    "--runtime",
    "runc",
    "--cgroup-manager",
    "cgroupfs",
    "--ulimit",
    "nofile=1024:1024",
    "--ulimit",
    "nproc=1024:1024",
    "--network",
    "slirp4netns:allow_host_loopback=true",
    "--read-only",
    "--tmpfs",
    "/tmp",
]
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "KEY")


def image(service: str) -> str:
    return f"{REGISTRY}/{SERVICES[service]}:{TAG}"


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)


def build(*services: str) -> tuple[float, str]:
    env = {
        **os.environ,
        "BMP_BUILD_ENGINE": "buildah",
        "BMP_REGISTRY": REGISTRY,
        "TAG": TAG,
        "BMP_VENV": os.environ.get("BMP_VENV", str(Path(sys.executable).parents[1])),
    }
    started = time.monotonic()
    result = run([str(ROOT / "bmp-build-image.sh"), "build", *services], cwd=ROOT, env=env)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return elapsed, result.stdout + result.stderr


def image_ids() -> dict[str, str]:
    return {service: inspect(image(service))["Id"] for service in SERVICES}


@pytest.fixture(scope="module")
def built():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    assert not missing, f"install {' '.join(missing)} (apt-get install): the images need them"
    assert os.geteuid() == 0, "buildah's chroot isolation and podman with runc need root here"
    first, _ = build("all")
    ids = image_ids()
    # Nothing changed: no image is built again, each is the same image (what a re-run of CI pays
    # with a kept image store: the inputs' hashes, no layer-cache walk).
    again, output = build("all")
    print(f"\nimage build: first={first:.1f}s again={again:.1f}s")
    assert "+ buildah build" not in output, output[-4000:]
    assert image_ids() == ids
    return first, again


def inspect(name: str) -> dict:
    result = run(["podman", "image", "inspect", name])
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)[0]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_image_runs_as_a_user_and_holds_no_secret(built, service):
    info = inspect(image(service))
    user = info["Config"].get("User", "")
    assert user and user.split(":")[0] not in ("root", "0"), f"{service} runs as {user!r}"
    env = dict(item.split("=", 1) for item in info["Config"].get("Env", []))
    secret_env = {k for k, v in env.items() if v and any(w in k for w in SECRET_WORDS)}
    assert not secret_env, f"{service} has secret-looking values baked in: {secret_env}"
    assert (info.get("Healthcheck") or {}).get("Test"), f"{service} has no healthcheck"
    print(f"\n{image(service)}: {info['Size'] / 1e6:.0f} MB")


@pytest.fixture
def containers():
    """Names of the containers and volumes a test starts; removed afterwards."""
    started: list[str] = []
    volumes: list[str] = []
    yield started, volumes
    for name in started:
        logs = run(["podman", "logs", "--tail", "30", name])
        print(f"--- {name}\n{logs.stdout}{logs.stderr}")
        run(["podman", "rm", "--force", "--time", "5", name])
    for volume in volumes:
        run(["podman", "volume", "rm", "--force", volume])


def start(
    containers,
    service: str,
    port: int | None,
    env: dict[str, str],
    volumes: dict[str, str] | None = None,
) -> tuple[str, int]:
    """Start SERVICE's image, its TCP port (if any) published on 127.0.0.1; (name, host port)."""
    name = f"bmp-smoke-{service}-{secrets.token_hex(3)}"
    host_port = free_port()
    args = [*PODMAN_RUN, "--name", name]
    if port is not None:
        args += ["--publish", f"127.0.0.1:{host_port}:{port}"]
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    for path in (volumes or {}).values():
        volume = f"{name}-{Path(path).name}"
        containers[1].append(volume)
        args += ["--volume", f"{volume}:{path}"]
    result = run([*args, image(service)])
    assert result.returncode == 0, result.stderr
    containers[0].append(name)
    return name, host_port


def wait_healthy(name: str, timeout: float = 120) -> float:
    """Run the image's own HEALTHCHECK until it passes; seconds it took."""
    started = time.monotonic()
    while True:
        result = run(["podman", "healthcheck", "run", name])
        if result.returncode == 0:
            return time.monotonic() - started
        state = run(["podman", "inspect", "--format", "{{.State.Status}}", name]).stdout.strip()
        assert state == "running", f"{name} is {state}"
        assert time.monotonic() - started < timeout, f"{name} not healthy: {result.stderr}"
        time.sleep(1)


@pytest.fixture
def database():
    """An empty MariaDB database of this test's own on the CI server; dropped afterwards."""
    import MySQLdb

    url = urlsplit(os.environ.get("BMP_TEST_DATABASE_URL", "mysql://root@127.0.0.1:3306/bmp"))
    name = "images_smoke"
    connect = {"host": url.hostname or "127.0.0.1", "port": url.port or 3306}
    connect |= {"user": url.username or "root", "password": url.password or ""}
    connection = MySQLdb.connect(**connect)
    connection.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
    connection.cursor().execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    auth = f"{url.username or 'root'}" + (f":{url.password}" if url.password else "")
    host = HOST if connect["host"] in ("127.0.0.1", "localhost") else connect["host"]
    yield f"mysql://{auth}@{host}:{connect['port']}/{name}"
    connection.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
    connection.close()


@pytest.fixture
def redis_url(tmp_path):
    """A private redis-server: the services use fixed logical databases 0-5 of their server."""
    port = free_port()
    process = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(tmp_path)),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while run(["redis-cli", "-p", str(port), "ping"]).stdout.strip() != "PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        yield f"redis://{HOST}:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def test_openapi_and_monitor_proxy_start_and_answer(built, database, redis_url, containers):
    openapi, openapi_port = start(
        containers,
        "openapi",
        8801,
        {
            "BMP_DATABASE_URL": database,
            "BMP_REDIS_URL": redis_url,
            "BMP_SECRET_KEY": secrets.token_urlsafe(32),
            "BMP_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "BMP_MONITOR_TOKEN": secrets.token_urlsafe(24),
            "BMP_RUN_MIGRATIONS": "1",
            "BMP_WORKERS": "1",
        },
        {"data": "/var/lib/bmp", "keys": "/var/lib/bmp-keys", "alert": "/var/lib/bmp-alert-key"},
    )
    # Its migrations run on the shared MariaDB, which CI's first pass loads meanwhile (the stage
    # runs in the background): 7-26 s measured alone, 70 s once under load.
    took = wait_healthy(openapi, timeout=240)
    print(f"\nbmp-openapi healthy after {took:.1f}s (migrations included)")
    with urllib.request.urlopen(
        f"http://127.0.0.1:{openapi_port}/swagger.json", timeout=10
    ) as response:
        assert response.status == 200
        spec = json.load(response)
    assert spec["paths"], "the served contract has no paths"

    proxy, _ = start(
        containers,
        "monitor-proxy",
        8805,
        {
            "BMP_REDIS_URL": redis_url,
            "BMP_MONITOR_TOKEN": secrets.token_urlsafe(24),
            "BMP_OPENAPI_URL": f"http://{HOST}:{openapi_port}",
            "BMP_PUSHGATEWAY_URL": f"http://{HOST}:{free_port()}",
        },
    )
    took = wait_healthy(proxy)
    print(f"bmp-monitor-proxy healthy after {took:.1f}s")


# Images whose healthcheck needs no middleware: service -> (TCP port or None, environment,
# volumes). The consoles' BFF need not answer: nginx checks /health itself, but must resolve
# the upstream's name when it starts, hence an address.
SELF_CONTAINED = {
    "tftp": (None, {}, {}),
    "image": (10000, {}, {}),
    "rsyslog": (None, {}, {"logs": "/var/log/bmp/bmp-rsyslog"}),
    "console-web": (8080, {"BMP_CONSOLE_API_UPSTREAM": f"{HOST}:9"}, {}),
    "operation-web": (8081, {"BMP_OPERATION_API_UPSTREAM": f"{HOST}:9"}, {}),
}


@pytest.mark.parametrize("service", sorted(SELF_CONTAINED))
def test_image_without_middleware_answers_its_healthcheck(built, containers, service):
    port, env, volumes = SELF_CONTAINED[service]
    name, host_port = start(containers, service, port, env, volumes)
    took = wait_healthy(name, timeout=60)
    print(f"\n{image(service)} healthy after {took:.1f}s")
    if service.endswith("-web"):
        # The server block was filled from the environment: the console's page and its health.
        with urllib.request.urlopen(f"http://127.0.0.1:{host_port}/health", timeout=10) as response:
            assert json.load(response)["service"] == service
        with urllib.request.urlopen(f"http://127.0.0.1:{host_port}/", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/html")
            assert b'<div id="app">' in response.read()

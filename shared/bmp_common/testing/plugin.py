"""pytest plugin (``-p bmp_common.testing.plugin``): test configuration before Django loads.

With no server named in the environment, tests run like the local runtime's default: SQLite and
a private redis-server that this plugin starts on a unix socket and stops at the end. Setting
``BMP_DATABASE_URL`` / ``BMP_REDIS_URL`` / ``BMP_BROKER_URL`` runs the same tests against MariaDB,
Redis and RabbitMQ instead.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

_WORK = Path(tempfile.mkdtemp(prefix="bmp-test-"))
_REDIS_SOCKET = _WORK / "run" / "redis.sock"
_redis_process: subprocess.Popen | None = None

# A worker of a run on several (pytest-xdist) inherits the environment the controlling process
# gave itself here: its folders (and the private redis socket in them) must be its own.
XDIST_WORKER = "PYTEST_XDIST_WORKER" in os.environ
_set_folder = os.environ.__setitem__ if XDIST_WORKER else os.environ.setdefault

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmp_openapi.settings")
os.environ.setdefault("BMP_SECRET_KEY", base64.urlsafe_b64encode(os.urandom(40)).decode())
os.environ.setdefault("BMP_ENCRYPTION_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
_set_folder("BMP_DATA_DIR", str(_WORK / "data"))
_set_folder("BMP_RUN_DIR", str(_WORK / "run"))
# Tests compare messages: pin the fallback language whatever the developer's .env says.
os.environ["BMP_DEFAULT_LANGUAGE"] = "en_US"

EMBEDDED_REDIS = not (os.environ.get("BMP_REDIS_URL") or os.environ.get("BMP_REDIS_HOST"))


def _worker_index() -> int:
    return int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))


def _own_redis_databases(url: str) -> None:
    """The run's databases on a shared redis server: from the URL's number on (BMP_TEST_REDIS_URL
    names the run's first), worker gwN's REDIS_DBS after gw(N-1)'s, through BMP_REDIS_DB_BASE
    (the services pick their databases themselves and ignore the URL's number).

    Lockout counters, caches and the flight recorder's lists are keyed by names two workers'
    tests both use (the seeded admin, the lab's IDC), and every openapi test clears the cache
    (a FLUSHDB): on the same databases one worker's tests wiped the other's lab's records.
    """
    from bmp_common.env import REDIS_DBS

    base = int(urlsplit(url).path.strip("/") or 0)
    if XDIST_WORKER:
        base += _worker_index() * REDIS_DBS
    os.environ["BMP_REDIS_DB_BASE"] = str(base)
    try:
        import redis

        from bmp_common.env import redis_url

        client = redis.Redis.from_url(redis_url(0), socket_connect_timeout=2)
        available = int(client.config_get("databases")["databases"])
    except Exception:  # not reachable (said later, by the tests), or CONFIG refused to a user
        return
    if base + REDIS_DBS > available:
        raise RuntimeError(
            f"tests on {url} use redis databases {base}-{base + REDIS_DBS - 1} (the URL's number"
            f" on, {REDIS_DBS} a worker) and the server has {available}: name a lower number"
        )


if os.environ.get("BMP_REDIS_URL"):
    _own_redis_databases(os.environ["BMP_REDIS_URL"])
if XDIST_WORKER and os.environ.get("BMP_BROKER_URL", "").startswith("amqp"):
    # Worker gwN's vhost: a queue of the default one would hand one worker's messages to the
    # other's consumers.
    from bmp_common.testing.rabbitmq import can_make_vhosts, fresh_vhost

    if not can_make_vhosts():
        raise RuntimeError(
            "tests on several workers against RabbitMQ give each worker a vhost of its own "
            "with rabbitmqctl, which is not installed here: run them on one (-n 0)"
        )
    vhost = f"bmp-test-{os.environ['PYTEST_XDIST_WORKER']}"
    os.environ["BMP_BROKER_URL"] = fresh_vhost(os.environ["BMP_BROKER_URL"], vhost)


def _start_redis() -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (run-tests.sh installs it)")
    _REDIS_SOCKET.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(_REDIS_SOCKET),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(_WORK),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _REDIS_SOCKET.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the private redis-server for the tests did not start")
        time.sleep(0.05)
    return process


def _controls_workers(config) -> bool:
    """The process that only hands tests to xdist workers: it runs none itself."""
    return not XDIST_WORKER and bool(getattr(config.option, "numprocesses", None))


def pytest_configure(config):
    global _redis_process
    if EMBEDDED_REDIS and _redis_process is None and not _controls_workers(config):
        _redis_process = _start_redis()


def pytest_unconfigure(config):
    global _redis_process
    if _redis_process is not None:
        _redis_process.terminate()
        _redis_process.wait(timeout=10)
        _redis_process = None
    shutil.rmtree(_WORK, ignore_errors=True)


def pytest_report_header(config):
    from bmp_common import env

    database = env.database_config()
    return [
        f"bmp: database {database['ENGINE'].rsplit('.', 1)[-1]}"
        f" ({database.get('HOST') or database['NAME']})",
        "bmp: redis " + ("private redis-server" if EMBEDDED_REDIS else "external"),
        "bmp: broker " + env.broker_url().split("://", 1)[0],
    ]

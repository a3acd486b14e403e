"""The platform as real processes, for integration tests and benchmarks.

Each service starts the way the local runtime starts it (``deploy/local/run-service.sh``), on
free 127.0.0.1 ports, over the database and broker the run names — or, by default, a SQLite file
and a private redis-server.

Every process is ours: started here, stopped here by its PID. A test may SIGKILL one and start
it again to check that nothing is lost.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from bmp_common.testing import rabbitmq
from bmp_common.testing.ports import free_port
from bmp_lab import schema
from bmp_lab.enrol import Api

ROOT = Path(__file__).resolve().parents[3]  # the repository (services/lab/bmp_lab/platform.py)
RUN_SERVICE = ROOT / "deploy" / "local" / "run-service.sh"


class Platform:
    def __init__(self, work: Path, *, settings: dict[str, str] | None = None, db_prefix: str = ""):
        """``db_prefix`` (else BMP_IT_DB_PREFIX, else ``bmp``): the names of the MariaDB
        databases it makes (``<prefix>_it_…``, the schema template ``<prefix>_schema_…``), so
        that runs sharing a server keep apart."""
        self.work = work
        self.db_prefix = db_prefix or os.environ.get("BMP_IT_DB_PREFIX") or "bmp"
        self.var = work / "var"
        self.logs = self.var / "log"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen] = {}
        self.cleanups: list = []
        self._mysql = None  # (connect, URL parts, database name) on MariaDB/MySQL
        self.openapi_port = free_port()
        self.openapi_console_port = free_port()
        self.console_api_port = free_port()
        self.operation_api_port = free_port()
        self.gateway_port = free_port()
        self.gateway_tls_port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BMP_", "DJANGO_"))},
            "BMP_VAR_DIR": str(self.var),
            "BMP_DATA_DIR": str(self.var / "data"),
            "BMP_RUN_DIR": str(self.var / "run"),
            "BMP_LOG_DIR": str(self.logs),
            "BMP_VENV": sys.prefix,
            "BMP_HOST_IP": "127.0.0.1",
            "BMP_SECRET_KEY": secrets.token_urlsafe(40),
            "BMP_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "BMP_OPENAPI_PORT": str(self.openapi_port),
            "BMP_OPENAPI_CONSOLE_PORT": str(self.openapi_console_port),
            "BMP_CONSOLE_API_PORT": str(self.console_api_port),
            "BMP_OPERATION_API_PORT": str(self.operation_api_port),
            "BMP_GATEWAY_PORT": str(self.gateway_port),
            # The agents' gateway: HTTPS, with a CA made in this platform's folder at its start.
            "BMP_GATEWAY_TLS_PORT": str(self.gateway_tls_port),
            "BMP_GATEWAY_URL": f"https://127.0.0.1:{self.gateway_tls_port}",
            # iPXE's: the script and the token archive, over plain HTTP.
            "BMP_GATEWAY_BOOT_URL": f"http://127.0.0.1:{self.gateway_port}",
            "BMP_TLS_DIR": str(self.var / "data" / "tls"),
            "BMP_WORKERS": "2",
            "BMP_LOG_LEVEL": "INFO",
            "PATH": f"{sys.prefix}/bin:{os.environ.get('PATH', '')}",
            **(settings or {}),
        }
        (self.var / "run").mkdir(parents=True, exist_ok=True)
        self._database()
        self._broker()

    # -- servers ---------------------------------------------------------------------------

    def _database(self) -> None:
        url = os.environ.get("BMP_DATABASE_URL", "")
        if not url.startswith("mysql"):
            self.env["BMP_DATABASE_URL"] = f"sqlite:///{self.var / 'data' / 'bmp.sqlite3'}"
            (self.var / "data").mkdir(parents=True, exist_ok=True)
            return
        import MySQLdb

        parts = urlsplit(url)
        name = f"{self.db_prefix}_it_{secrets.token_hex(4)}"
        options = {
            "host": parts.hostname,
            "port": parts.port or 3306,
            "user": parts.username or "root",
            "password": parts.password or "",
        }
        connection = MySQLdb.connect(**options)
        connection.cursor().execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        connection.close()
        self.env["BMP_DATABASE_URL"] = parts._replace(path=f"/{name}").geturl()
        self._mysql = (lambda: MySQLdb.connect(**options), parts, name)

        def drop():
            connection = MySQLdb.connect(**options)
            connection.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
            connection.close()

        self.cleanups.append(drop)

    def _broker(self) -> None:
        if self.env.get("BMP_BROKER_URL"):
            # A broker the caller owns and names in ``settings`` (a chaos test's, a bench's
            # vhost); redis too when named there, else a private one.
            if not self.env.get("BMP_REDIS_URL"):
                self._private_redis()
            return
        broker = os.environ.get("BMP_BROKER_URL", "")
        if broker.startswith("amqp"):
            self._rabbitmq_vhost(broker)
            self.env["BMP_REDIS_URL"] = os.environ.get("BMP_REDIS_URL", "redis://127.0.0.1:6379/0")
            # The test worker's databases on that server (bmp_common.testing.plugin), not the
            # next worker's: its tests flush their cache, where the flight recorder writes.
            self.env["BMP_REDIS_DB_BASE"] = os.environ.get("BMP_REDIS_DB_BASE", "0")
            return
        self._private_redis()

    def _private_redis(self) -> None:
        """The local runtime's default: a private redis-server on a unix socket."""
        socket_path = self.var / "run" / "redis.sock"
        self._spawn_raw(
            "bmp-redis",
            [
                shutil.which("redis-server"),
                "--port",
                "0",
                "--unixsocket",
                str(socket_path),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.var),
            ],
        )
        wait_for(socket_path.exists, 10, "the platform's redis-server")

    def _rabbitmq_vhost(self, broker: str) -> None:
        """Our own vhost, so that no queue is shared with other tests; else the default one."""
        if rabbitmq.can_make_vhosts():
            vhost = f"bmp_it_{secrets.token_hex(4)}"
            broker = rabbitmq.fresh_vhost(broker, vhost)
            self.cleanups.append(lambda: rabbitmq.delete_vhost(vhost))
        self.env["BMP_BROKER_URL"] = broker

    # -- processes -------------------------------------------------------------------------

    def _spawn_raw(
        self, name: str, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        process = subprocess.Popen(
            argv,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.work,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start(
        self, name: str, *, netns: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        """Start service `name` as the local runtime does; in network namespace `netns` if given
        (the network-facing services of a PXE test listen on its bridge), with `env` on top."""
        return self.spawn(name, ["bash", str(RUN_SERVICE), name], netns=netns, env=env)

    def spawn(
        self,
        name: str,
        argv: list[str],
        *,
        netns: str | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.Popen:
        """Run any command as platform process `name` (log: var/log/<name>.log)."""
        if netns:
            argv = ["ip", "netns", "exec", netns, *argv]  # exec: the PID stays the command's
        return self._spawn_raw(name, argv, env)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, sig)  # its session: gunicorn and celery children too
        process.wait(timeout=30)

    def manage(self, settings_module: str, *args: str, database_url: str = "") -> str:
        env = {**self.env, "DJANGO_SETTINGS_MODULE": settings_module}
        if database_url:
            env["BMP_DATABASE_URL"] = database_url
        result = subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=env,
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"django-admin {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def _migrate_into(self, database_url: str) -> None:
        for project in schema.PROJECTS:
            self.manage(project, "migrate", "--noinput", database_url=database_url)

    def _schema(self) -> None:
        """The migrated tables (see bmp_lab.schema: a copy of a template migrated once)."""
        if self._mysql is None:
            target = Path(self.env["BMP_DATABASE_URL"].removeprefix("sqlite:///"))
            schema.copy_sqlite(target, self._migrate_into)
            return
        connect, parts, name = self._mysql
        url_of = lambda database: parts._replace(path=f"/{database}").geturl()  # noqa: E731
        schema.clone_mysql(connect, url_of, name, self._migrate_into, prefix=self.db_prefix)

    def up(self, *services: str) -> None:
        self._schema()
        self.manage("bmp_openapi.settings", "bmp_bootstrap")
        credentials = dict(
            line.split("=", 1)
            for line in (self.var / "data" / "credentials").read_text().splitlines()
        )
        self.api = Api(f"http://127.0.0.1:{self.openapi_port}", credentials["BMP_ADMIN_API_KEY"])
        for service in services:
            self.start(service)
        health = {
            "bmp-openapi": f"http://127.0.0.1:{self.openapi_port}/health",
            "bmp-openapi-console": f"http://127.0.0.1:{self.openapi_console_port}/health",
            "bmp-console-api": f"http://127.0.0.1:{self.console_api_port}/health",
            "bmp-operation-api": f"http://127.0.0.1:{self.operation_api_port}/health",
            "bmp-scheduler-gateway": f"http://127.0.0.1:{self.gateway_port}/health",
            "bmp-scheduler-gateway-tls": f"https://127.0.0.1:{self.gateway_tls_port}/health",
        }
        for service in services:
            if service in health:
                self.wait_healthy(service, health[service])

    def wait_healthy(self, name: str, url: str, timeout: float = 120) -> None:
        """Waits for platform process `name` to answer 200 on `url` (an https URL with a
        certificate of the gateway's CA). A process that exits meanwhile fails at once, and the
        error carries the end of its log: a fixture's failure in CI shows why it did not start."""
        process = self.processes[name]
        cafile = self.gateway_ca if url.startswith("https:") else None

        def answers_or_exited():
            return answers_200(url, cafile) or process.poll() is not None

        try:
            wait_for(answers_or_exited, timeout, name, interval=0.2)
        except TimeoutError as error:
            raise TimeoutError(f"{error}; the end of its log:\n{self.log_tail(name)}") from None
        if process.poll() is not None:
            raise RuntimeError(
                f"{name} exited ({process.returncode}) before it answered {url}; "
                f"the end of its log:\n{self.log_tail(name)}"
            )

    @property
    def gateway_ca(self) -> Path:
        """The CA of the TLS gateway's certificate (made when bmp-scheduler-gateway-tls starts)."""
        return Path(self.env["BMP_TLS_DIR"]) / "ca.pem"

    def sql(self, query: str) -> list[tuple]:
        """Rows of a read-only query on the platform's database (for benches' counts)."""
        url = urlsplit(self.env["BMP_DATABASE_URL"])
        if url.scheme == "sqlite":
            import sqlite3

            with sqlite3.connect(url.path) as connection:
                return connection.execute(query).fetchall()
        import MySQLdb

        connection = MySQLdb.connect(
            host=url.hostname,
            port=url.port or 3306,
            user=url.username or "root",
            password=url.password or "",
            database=url.path.lstrip("/"),
        )
        try:
            cursor = connection.cursor()
            cursor.execute(query)
            return list(cursor.fetchall())
        finally:
            connection.close()

    def stop(self) -> None:
        for name, process in list(self.processes.items()):
            try:
                self.kill(name, signal.SIGTERM)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                # Still shutting down after 30 s (a celery worker's warm shutdown waits for
                # its tasks): left running it would outlive the platform. SIGKILL can't wait.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        for cleanup in reversed(self.cleanups):
            cleanup()

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def log_tails(self, lines: int = 40) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"== {path.name}\n" + "\n".join(tail))
        return "\n".join(parts)


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout} s")


def answers_200(url: str, cafile: Path | None = None) -> bool:
    """Whether `url` answers 200 now; an https URL must present a certificate of `cafile`."""
    try:
        # http(s) URLs of our own; a certificate is verified against cafile only.
        context = ssl.create_default_context(cafile=cafile) if cafile else None
        with urllib.request.urlopen(url, timeout=2, context=context) as answer:  # noqa: S310
            return answer.status == 200
    except OSError:
        return False


def wait_http(url: str, what: str, timeout: float = 60, cafile: Path | None = None) -> None:
    """Waits for a 200 from `url`; an https URL must present a certificate of `cafile`."""
    wait_for(lambda: answers_200(url, cafile), timeout, what, interval=0.2)

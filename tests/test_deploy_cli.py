"""bmp-deploy.sh, local runtime, as an operator uses it: start, status, use, reinstall, stop.

Runs against whatever servers the test run is configured with: on the SQLite pass the platform
uses its embedded default (SQLite + private redis-server), on the external pass it is pointed at
MariaDB/Redis/RabbitMQ through the same BMP_* keys an operator would put in .env.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sqlite3
import ssl
import stat
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bmp_common.testing import rabbitmq
from bmp_common.testing.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = str(ROOT / "bmp-deploy.sh")

pytestmark = pytest.mark.slow


def mysql_database(url: str, prefix: str = "bmp_deploy_"):
    """A fresh database on the test server, so the deployment has its own schema."""
    import MySQLdb

    parts = urlsplit(url)
    name = f"{prefix}{secrets.token_hex(4)}"
    conn = MySQLdb.connect(
        host=parts.hostname, port=parts.port or 3306, user=parts.username or "root",
        passwd=parts.password or "",
    )  # fmt: skip
    conn.cursor().execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    return conn, name, parts._replace(path=f"/{name}").geturl()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    var = tmp_path_factory.mktemp("deploy-var")
    ports = {
        "operation": free_port(),
        "console": free_port(),
        "console_api": free_port(),
        "oob_alert": free_port(),
        "operation_api": free_port(),
        "gateway": free_port(),
        "gateway_tls": free_port(),
        "image": free_port(),
        "tftp": free_port(socket.SOCK_DGRAM),
        "rsyslog": free_port(socket.SOCK_DGRAM),
        "prometheus": free_port(),
        "pushgateway": free_port(),
        "alertmanager": free_port(),
        "pronoea": free_port(),
        "monitor_proxy": free_port(),
        "console_web": free_port(),
        "operation_web": free_port(),
    }
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("BMP_", "DJANGO_"))
    }
    environment.update(
        BMP_RUNTIME="local",
        BMP_HOST_IP="127.0.0.1",
        BMP_VAR_DIR=str(var),
        # Its own venv, made by bmp-deploy.sh as on a fresh machine: the test also proves that
        # the service's extras alone are enough to run it (the dev venv has much more).
        BMP_VENV=os.environ.get("BMP_TEST_DEPLOY_VENV", str(ROOT / ".venv-deploy")),
        BMP_OPENAPI_PORT=str(ports["operation"]),
        BMP_OPENAPI_CONSOLE_PORT=str(ports["console"]),
        BMP_CONSOLE_API_PORT=str(ports["console_api"]),
        BMP_OOB_ALERT_PORT=str(ports["oob_alert"]),
        BMP_OPERATION_API_PORT=str(ports["operation_api"]),
        BMP_GATEWAY_PORT=str(ports["gateway"]),
        BMP_GATEWAY_TLS_PORT=str(ports["gateway_tls"]),
        BMP_IMAGE_PORT=str(ports["image"]),
        BMP_TFTP_PORT=str(ports["tftp"]),
        BMP_RSYSLOG_PORT=str(ports["rsyslog"]),
        BMP_PROMETHEUS_PORT=str(ports["prometheus"]),
        BMP_PUSHGATEWAY_PORT=str(ports["pushgateway"]),
        BMP_ALERTMANAGER_PORT=str(ports["alertmanager"]),
        BMP_PRONOEA_PORT=str(ports["pronoea"]),
        BMP_MONITOR_PROXY_PORT=str(ports["monitor_proxy"]),
        BMP_CONSOLE_WEB_PORT=str(ports["console_web"]),
        BMP_OPERATION_WEB_PORT=str(ports["operation_web"]),
    )
    mysql = None
    if os.environ.get("BMP_DATABASE_URL", "").startswith("mysql"):
        conn, name, url = mysql_database(os.environ["BMP_DATABASE_URL"])
        mysql = (conn, name)
        environment["BMP_DATABASE_URL"] = url
    if os.environ.get("BMP_REDIS_URL"):
        environment["BMP_REDIS_URL"] = os.environ["BMP_REDIS_URL"]
        environment["BMP_REDIS_DB_BASE"] = os.environ.get("BMP_REDIS_DB_BASE", "0")
    vhost = None
    if os.environ.get("BMP_BROKER_URL"):
        environment["BMP_BROKER_URL"] = os.environ["BMP_BROKER_URL"]
    if environment.get("BMP_BROKER_URL", "").startswith("amqp") and rabbitmq.can_make_vhosts():
        # A vhost of the deployment's own: its scheduler's beat must not reach other tests' queues.
        vhost = f"bmp_deploy_{secrets.token_hex(4)}"
        environment["BMP_BROKER_URL"] = rabbitmq.fresh_vhost(os.environ["BMP_BROKER_URL"], vhost)

    def run(*args):
        return subprocess.run(
            [DEPLOY, *args], env=environment, capture_output=True, text=True, timeout=300,
            stdin=subprocess.DEVNULL,  # no terminal: nothing may wait for an answer
        )  # fmt: skip

    try:
        # Inside: a start that timed out has started supervisord and some services all the same.
        started = run("start", "all")
        yield {"run": run, "var": var, "ports": ports, "started": started, "env": environment}
    finally:
        run("stop", "all")
        if vhost:
            rabbitmq.delete_vhost(vhost)
        if mysql:
            conn, name = mysql
            conn.cursor().execute(f"DROP DATABASE {name}")
            conn.close()


def get(port: int, path: str, token: str | None = None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def credentials(deployment) -> dict[str, str]:
    result = deployment["run"]("credentials")
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def expected_services(deployment) -> list[str]:
    embedded_redis = "BMP_REDIS_URL" not in deployment["env"]
    # The driver, dhcp-agent and oob-agent start only once an IDC is known (BMP_IDC_IDS): none.
    return [
        *(["bmp-redis"] if embedded_redis else []),
        "bmp-openapi",
        "bmp-openapi-console",
        "bmp-console-api",
        "bmp-operation-api",
        "bmp-openapi-worker",
        "bmp-scheduler",
        "bmp-scheduler-gateway",
        "bmp-scheduler-gateway-tls",
        "bmp-tftp",
        "bmp-image",
        "bmp-rsyslog",
        "bmp-oob-alert",
        "bmp-console-web",
        "bmp-operation-web",
        # In-band monitoring (upstream's names).
        "bmp-pushgateway",
        "bmp-alertmanager",
        "bmp-prometheus",
        "bmp-pronoea",
        "bmp-monitor-proxy",
    ]


def test_start_all_starts_every_service_and_shows_the_credentials_once(deployment):
    started = deployment["started"]

    assert started.returncode == 0, started.stdout + started.stderr
    for service in expected_services(deployment):
        assert f"{service} " in started.stdout
    assert "BMP_ADMIN_PASSWORD=" in started.stdout
    assert "not running" not in started.stdout


def test_status_all_prints_running_for_every_service(deployment):
    status = deployment["run"]("status", "all")

    assert status.returncode == 0, status.stdout
    lines = [line.split() for line in status.stdout.splitlines()]
    assert lines == [[service, "running"] for service in expected_services(deployment)]


def test_the_api_answers_with_the_contract_and_envelopes(deployment):
    for port in (deployment["ports"]["operation"], deployment["ports"]["console"]):
        status, contract, _ = get(port, "/swagger.json")
        assert (status, contract["swagger"]) == (200, "2.0")

        status, body, headers = get(port, "/v1/nothing")
        assert status == 404
        assert body["error"]["code"] == 404
        assert body["requestId"] == headers["TraceId"]

        status, body, _ = get(port, "/health")
        assert status == 200
        assert body["result"]["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


@pytest.mark.parametrize(
    ("console", "page", "bff", "account"),
    [
        ("console_web", "/instance/list", "console", "/user"),
        ("operation_web", "/DeviceManagement/deviceList", "operation", "/user/local"),
    ],
)
def test_each_console_is_built_and_served_in_front_of_its_backend(
    deployment, console, page, bff, account
):
    """`start all` built both consoles; each has an nginx of its own that serves it (any page
    path: the SPA) and passes /<bff>-web/ to its BFF (console-api, operation-api)."""
    port = deployment["ports"][console]
    for path in ("/", page):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            html = answer.read().decode()
        assert answer.status == 200
        assert '<div id="app">' in html and "/assets/" in html
    for hidden in ("/.vite/manifest.json", "/.bmp-build-hash"):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{hidden}", timeout=10)
        except urllib.error.HTTPError as error:
            assert error.code == 404, hidden
        else:
            raise AssertionError(f"{hidden} is served")
    status, body, _ = get(port, f"/{bff}-web/health")
    assert status == 200
    assert body["result"]["service"] == f"{bff}_api"
    status, body, _ = get(port, f"/{bff}-web{account}")
    assert (status, body["error"]["message"]) == (402, "user not login")


def test_boot_files_are_served_over_tftp_and_images_over_http_with_ranges(deployment, tmp_path):
    import tftpy

    fetched = tmp_path / "undionly.kpxe"
    client = tftpy.TftpClient("127.0.0.1", deployment["ports"]["tftp"])
    client.download("undionly.kpxe", str(fetched), timeout=5)
    assert fetched.read_bytes() == Path("/usr/lib/ipxe/undionly.kpxe").read_bytes()

    image = deployment["var"] / "data" / "images" / "guest.tar"
    image.write_bytes(bytes(range(256)) * 64)
    request = urllib.request.Request(
        f"http://127.0.0.1:{deployment['ports']['image']}/guest.tar",
        headers={"Range": "bytes=256-511"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 206
        assert answer.headers["Content-Range"] == f"bytes 256-511/{256 * 64}"
        assert answer.read() == bytes(range(256))


def test_bmp_image_serves_the_monitoring_agents_bundle(deployment):
    import hashlib

    base = f"http://127.0.0.1:{deployment['ports']['image']}/monitor-agent/bmp-monitor-agent"
    with urllib.request.urlopen(f"{base}.tar.gz.sha256", timeout=10) as answer:
        digest = answer.read().decode().split()[0]
    with urllib.request.urlopen(f"{base}.tar.gz", timeout=10) as answer:
        assert hashlib.sha256(answer.read()).hexdigest() == digest


def test_the_agent_gateway_speaks_https_with_a_ca_made_at_first_start_and_kept(deployment):
    tls = deployment["var"] / "data" / "tls"
    made = {name: (tls / name).read_bytes() for name in ("ca.key", "ca.pem", "gateway.pem")}
    modes = {name: stat.S_IMODE((tls / name).stat().st_mode) for name in ("ca.key", "gateway.key")}
    assert stat.S_IMODE(tls.stat().st_mode) == 0o700
    assert modes == {"ca.key": 0o600, "gateway.key": 0o600}
    ours = ssl.create_default_context(cafile=tls / "ca.pem")
    https = f"https://127.0.0.1:{deployment['ports']['gateway_tls']}"
    with urllib.request.urlopen(f"{https}/health", timeout=10, context=ours) as answer:
        assert answer.status == 200
    heartbeat = urllib.request.Request(
        f"http://127.0.0.1:{deployment['ports']['gateway']}/v1/agent/heartbeat",
        data=json.dumps({"sn": "S1", "token": "t"}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(heartbeat, timeout=10)
    assert refused.value.code == 403  # plain HTTP, even claiming a TLS proxy in front

    restarted = deployment["run"]("restart", "scheduler-gateway-tls")

    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert {name: (tls / name).read_bytes() for name in made} == made  # kept, not made again
    with urllib.request.urlopen(f"{https}/health", timeout=10, context=ours) as answer:
        assert answer.status == 200


def test_the_printed_admin_key_works(deployment):
    values = credentials(deployment)

    assert set(values) == {"BMP_ADMIN_USER", "BMP_ADMIN_PASSWORD", "BMP_ADMIN_API_KEY"}
    status, body, _ = get(
        deployment["ports"]["operation"], "/v1/local/users", values["BMP_ADMIN_API_KEY"]
    )
    assert status == 200
    assert body["result"]["user"]["userName"] == "admin"
    assert oct((deployment["var"] / "data" / "credentials").stat().st_mode)[-3:] == "600"


def _secrets(deployment) -> list[str]:
    values = list(credentials(deployment).values())[1:]
    for line in (deployment["var"] / "secrets.env").read_text().splitlines():
        values.append(line.split("=", 1)[1])
    return values


def test_no_secret_appears_in_logs_config_or_process_arguments(deployment):
    secret_values = _secrets(deployment)
    config = deployment["run"]("config")
    assert config.returncode == 0
    texts = {"config": config.stdout + config.stderr}
    for log in (deployment["var"] / "log").glob("*.log"):
        texts[str(log)] = log.read_text(errors="replace")
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            texts[str(cmdline)] = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue

    leaks = [where for where, text in texts.items() for value in secret_values if value in text]
    assert leaks == []
    assert "runtime:   local" in config.stdout


def test_reinstall_keeps_the_data(deployment):
    before = credentials(deployment)

    result = deployment["run"]("reinstall", "bmp-openapi")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "BMP_ADMIN_PASSWORD" not in result.stdout  # no new admin: the old one is kept
    assert credentials(deployment) == before
    status, body, _ = get(
        deployment["ports"]["operation"], "/v1/local/users", before["BMP_ADMIN_API_KEY"]
    )
    assert (status, body["result"]["user"]["userName"]) == (200, "admin")


@pytest.mark.parametrize("args", [("frobnicate", "all"), ("start", "bmp-nothing"), ("status",), ()])
def test_bad_commands_print_usage_and_exit_2(deployment, args):
    result = deployment["run"](*args)

    assert result.returncode == 2
    assert "Usage: ./bmp-deploy.sh [-t|--tag TAG] COMMAND" in result.stderr


def test_stop_all_then_status_reports_not_running_and_start_brings_it_back(deployment):
    run = deployment["run"]
    admin_key = credentials(deployment)["BMP_ADMIN_API_KEY"]

    assert run("stop", "all").returncode == 0
    status = run("status", "all")
    assert status.returncode == 1
    assert [line.split(maxsplit=1)[1] for line in status.stdout.splitlines()] == [
        "not running"
    ] * len(expected_services(deployment))
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", deployment["ports"]["operation"]), timeout=1)

    again = run("start", "openapi")  # the bmp- prefix is optional
    assert again.returncode == 0, again.stdout + again.stderr
    status, body, _ = get(deployment["ports"]["operation"], "/v1/local/users", admin_key)
    assert (status, body["result"]["user"]["userName"]) == (200, "admin")


def _encryption_keys(deployment) -> list[str]:
    lines = (deployment["var"] / "secrets.env").read_text().splitlines()
    value = next(line for line in lines if line.startswith("BMP_ENCRYPTION_KEY="))
    return value.split("=", 1)[1].split(",")


def test_rotate_key_puts_a_new_key_first_then_finish_keeps_only_it(deployment):
    run = deployment["run"]
    assert run("start", "all").returncode == 0  # whatever an earlier test left stopped
    admin_key = credentials(deployment)["BMP_ADMIN_API_KEY"]
    (old,) = _encryption_keys(deployment)

    rotated = run("rotate-key")

    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    new, kept = _encryption_keys(deployment)
    assert kept == old and new != old
    assert "re-encrypted with the first key" in rotated.stdout
    assert new not in rotated.stdout + rotated.stderr  # keys are never printed
    status, body, _ = get(deployment["ports"]["operation"], "/v1/local/users", admin_key)
    assert (status, body["result"]["user"]["userName"]) == (200, "admin")

    finished = run("rotate-key", "finish")

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert _encryption_keys(deployment) == [new]
    assert oct((deployment["var"] / "secrets.env").stat().st_mode)[-3:] == "600"
    assert run("status", "all").returncode == 0


def _status(deployment) -> dict[str, str]:
    result = deployment["run"]("status", "all")
    return dict(line.split(maxsplit=1) for line in result.stdout.splitlines())


def test_uninstall_purge_without_yes_and_no_terminal_refuses_and_changes_nothing(deployment):
    run = deployment["run"]
    assert run("start", "all").returncode == 0  # whatever an earlier test left stopped

    refused = run("uninstall", "--purge", "image")

    assert refused.returncode == 2
    assert "add --yes" in refused.stderr
    assert _status(deployment)["bmp-image"] == "running"
    assert (deployment["var"] / "data" / "images").is_dir()


def test_uninstall_stops_the_service_keeps_its_data_and_all_leaves_it_out(deployment):
    run = deployment["run"]
    images = deployment["var"] / "data" / "images"
    (images / "kept.iso").write_bytes(b"guest")

    result = run("uninstall", "image")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "bmp-image uninstalled" in result.stdout
    assert "data kept" in result.stdout
    assert (images / "kept.iso").read_bytes() == b"guest"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", deployment["ports"]["image"]), timeout=1)
    status = run("status", "all")
    assert status.returncode == 0, status.stdout  # what is left all runs
    assert [line.split()[0] for line in status.stdout.splitlines()] == [
        service for service in expected_services(deployment) if service != "bmp-image"
    ]
    assert run("status", "image").stdout.split() == ["bmp-image", "not", "running"]


def test_uninstall_purge_yes_deletes_that_services_data_only_and_start_brings_it_back(deployment):
    run = deployment["run"]
    data = deployment["var"] / "data"

    result = run("uninstall", "--purge", "--yes", "bmp-image")

    assert result.returncode == 0, result.stdout + result.stderr
    assert not (data / "images").exists()
    assert not (deployment["var"] / "log" / "bmp-image.log").exists()
    assert f"deleted {data / 'images'}" in result.stdout
    # Shared data stays: the database, the credentials, the CA.
    assert (data / "credentials").exists() and (data / "tls" / "ca.pem").exists()

    again = run("start", "image")

    assert again.returncode == 0, again.stdout + again.stderr
    assert (data / "images").is_dir()
    status = run("status", "all")
    assert status.returncode == 0, status.stdout
    assert [line.split()[0] for line in status.stdout.splitlines()] == expected_services(deployment)


def _fake_engines(tmp_path: Path) -> dict[str, str]:
    """An environment where docker, podman and buildah are installed but none answers."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for engine in ("docker", "podman", "buildah"):
        (bin_dir / engine).write_text("#!/bin/sh\necho 'Cannot connect' >&2\nexit 1\n")
        (bin_dir / engine).chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("BMP_", "DJANGO_"))}
    environment.pop("TAG", None)
    environment.update(
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", BMP_VAR_DIR=str(tmp_path / "var")
    )
    return environment


def test_images_without_an_engine_lists_the_names_and_says_so(tmp_path):
    result = subprocess.run(
        [DEPLOY, "--tag", "v7", "images"], env=_fake_engines(tmp_path), capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 1
    assert "no container engine answers" in result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["IMAGE", "PRESENT", "SIZE"]
    assert ["localhost/bmp/bmp-openapi:v7", "?", "-"] in rows
    assert ["docker.io/mysql:8.4", "?", "-"] in rows  # middleware keeps its own version


def test_precheck_reports_a_port_held_by_a_foreign_listener_and_fails(tmp_path):
    environment = _fake_engines(tmp_path)
    ports = {key: str(free_port()) for key in (
        "OPENAPI", "OPENAPI_CONSOLE", "CONSOLE_API", "OPERATION_API", "GATEWAY", "GATEWAY_TLS",
        "IMAGE", "OOB_ALERT", "PUSHGATEWAY", "PROMETHEUS", "ALERTMANAGER", "PRONOEA",
        "MONITOR_PROXY",
    )}  # fmt: skip
    environment.update({f"BMP_{key}_PORT": port for key, port in ports.items()})
    environment.update(
        BMP_RUNTIME="local",
        BMP_TFTP_PORT=str(free_port(socket.SOCK_DGRAM)),
        BMP_RSYSLOG_PORT=str(free_port(socket.SOCK_DGRAM)),
    )
    precheck = [str(ROOT / "bmp-deploy-precheck.sh")]

    def run():
        return subprocess.run(precheck, env=environment, capture_output=True, text=True, timeout=60)

    with socket.socket() as foreign:
        foreign.bind(("127.0.0.1", 0))
        foreign.listen()
        environment["BMP_IMAGE_PORT"] = str(foreign.getsockname()[1])
        held = run()

    assert held.returncode == 1, held.stdout + held.stderr
    blocking = [line for line in held.stdout.splitlines() if line.startswith("MISSING")]
    assert len(blocking) == 1, held.stdout
    assert f"port {environment['BMP_IMAGE_PORT']}/tcp" in blocking[0]
    assert "(bmp-image) is in use by another process" in blocking[0]
    assert "disk:" in held.stdout and "python3 3.11" in held.stdout

    free = run()  # the listener is gone

    assert free.returncode == 0, free.stdout
    assert "precheck: nothing blocks a start" in free.stdout


# -- backup and restore -------------------------------------------------------------------------


def _backup_env(var: Path, **extra: str) -> dict[str, str]:
    """bmp-deploy.sh on a platform that is not running: its var/ folder, this Python's venv."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("BMP_", "DJANGO_"))}
    environment.update(BMP_RUNTIME="local", BMP_VAR_DIR=str(var), BMP_VENV=sys.prefix, **extra)
    return environment


def _deploy(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DEPLOY, *args], env=environment, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _platform_files(var: Path) -> None:
    """What a platform leaves in var/: data (credentials, CA, images), private redis, secrets."""
    data = var / "data"
    for folder in ("tls", "images/guestos", "redis", "tftp"):
        (data / folder).mkdir(parents=True)
    (data / "credentials").write_text("BMP_ADMIN_USER=admin\n")
    (data / "credentials").chmod(0o600)
    (data / "tls" / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (data / "images" / "guestos" / "bmp-guestos.tar.xz").write_bytes(os.urandom(4096))
    (data / "redis" / "appendonly.aof").write_text("*1\r\n")
    (var / "secrets.env").write_text("BMP_SECRET_KEY=first\nBMP_ENCRYPTION_KEY=first-key\n")
    (var / "runtime.env").write_text("BMP_IDC_IDS=idc-1\n")


def test_backup_then_restore_brings_back_the_sqlite_database_the_data_and_the_secrets(tmp_path):
    var = tmp_path / "var"
    _platform_files(var)
    database = var / "data" / "bmp.sqlite3"
    # As the services keep it: WAL mode and a connection still open, so the last commit is in
    # the -wal file only; the backup must hold it.
    writer = sqlite3.connect(database)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE instance (id TEXT PRIMARY KEY, status TEXT)")
    writer.execute("INSERT INTO instance VALUES ('i-1', 'running'), ('i-2', 'stopped')")
    writer.commit()
    environment = _backup_env(var)
    archive = tmp_path / "bmp-backup.tar.gz"

    made = _deploy(environment, "backup", "-o", str(archive))

    assert made.returncode == 0, made.stdout + made.stderr
    assert f"backup written: {archive}" in made.stdout
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds the secrets
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"bmp-backup.json", "database.sqlite3", "secrets.env", "runtime.env"} <= names
    assert "data/images/guestos/bmp-guestos.tar.xz" in names and "data/tls/ca.pem" in names
    assert not {name for name in names if name.startswith(("data/redis", "data/tftp", "data/bmp"))}

    # What happens after the backup and is to be undone.
    writer.execute("UPDATE instance SET status = 'deleted'")
    writer.execute("INSERT INTO instance VALUES ('i-3', 'creating')")
    writer.commit()
    writer.close()
    (var / "data" / "credentials").unlink()
    # This host's own way to its servers survives the restore (another host, another password).
    (var / "secrets.env").write_text("BMP_SECRET_KEY=second\nBMP_REDIS_PASSWORD=this-host\n")

    restored = _deploy(environment, "restore", str(archive))

    assert restored.returncode == 0, restored.stdout + restored.stderr
    with closing(sqlite3.connect(database)) as reader:
        rows = reader.execute("SELECT id, status FROM instance ORDER BY id").fetchall()
    assert rows == [("i-1", "running"), ("i-2", "stopped")]
    assert (var / "data" / "credentials").read_text() == "BMP_ADMIN_USER=admin\n"
    assert stat.S_IMODE((var / "data" / "credentials").stat().st_mode) == 0o600
    assert (var / "secrets.env").read_text().splitlines() == [
        "BMP_SECRET_KEY=first",
        "BMP_ENCRYPTION_KEY=first-key",
        "BMP_REDIS_PASSWORD=this-host",
    ]
    assert stat.S_IMODE((var / "secrets.env").stat().st_mode) == 0o600
    assert (var / "runtime.env").read_text() == "BMP_IDC_IDS=idc-1\n"
    assert (var / "data" / "redis" / "appendonly.aof").exists()  # not state: left alone
    # Nothing replaced is lost: it waits in var/restore-previous-<time>/.
    (aside,) = var.glob("restore-previous-*")
    assert (aside / "secrets.env").read_text().startswith("BMP_SECRET_KEY=second\n")
    assert (aside / "bmp.sqlite3").exists()
    assert str(aside) in restored.stdout


@pytest.fixture
def supervisor(tmp_path):
    """A real supervisord with bmp-deploy.sh's pid file, as `start` leaves it."""
    run_dir = tmp_path / "var" / "run"
    run_dir.mkdir(parents=True)
    conf = run_dir / "supervisord.conf"
    conf.write_text(
        f"[supervisord]\npidfile={run_dir}/supervisord.pid\nlogfile={run_dir}/supervisord.log\n"
        f"[unix_http_server]\nfile={run_dir}/supervisor.sock\n"
        "[rpcinterface:supervisor]\n"
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        "[program:sleeper]\ncommand=sleep 300\nautostart=true\n"
    )
    subprocess.run([f"{sys.prefix}/bin/supervisord", "-c", str(conf)], check=True, timeout=30)
    pidfile = run_dir / "supervisord.pid"
    deadline = time.monotonic() + 20
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = int(pidfile.read_text())
    try:
        yield pid
    finally:
        os.kill(pid, signal.SIGTERM)
        while time.monotonic() < deadline + 30:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)


def test_restore_is_refused_while_services_run_and_changes_nothing(tmp_path, supervisor):
    var = tmp_path / "var"
    _platform_files(var)
    with closing(sqlite3.connect(var / "data" / "bmp.sqlite3")) as db:
        db.execute("CREATE TABLE t (v TEXT)")
        db.commit()
    environment = _backup_env(var)
    archive = tmp_path / "b.tar.gz"
    assert _deploy(environment, "backup", "-o", str(archive)).returncode == 0  # while running
    (var / "secrets.env").write_text("BMP_SECRET_KEY=now\n")

    refused = _deploy(environment, "restore", str(archive))

    assert refused.returncode == 1
    assert f"services are running (supervisord pid {supervisor})" in refused.stderr
    assert "stop all" in refused.stderr
    assert (var / "secrets.env").read_text() == "BMP_SECRET_KEY=now\n"
    assert not list(var.glob("restore-previous-*"))


def test_restore_refuses_what_is_not_a_backup_of_this_kind_of_database(tmp_path):
    var = tmp_path / "var"
    _platform_files(var)
    stray = tmp_path / "stray.tar.gz"
    with tarfile.open(stray, "w:gz") as tar:
        tar.add(var / "runtime.env", "runtime.env")
    environment = _backup_env(var)

    not_ours = _deploy(environment, "restore", str(stray))
    no_file = _deploy(environment, "restore", str(tmp_path / "absent.tar.gz"))
    no_database = _deploy(environment, "backup", "-o", str(tmp_path / "b.tar.gz"))
    no_output = _deploy(environment, "backup")

    assert not_ours.returncode == 1 and "is not a BMP backup" in not_ours.stderr
    assert no_file.returncode == 1 and "no such file" in no_file.stderr
    assert no_database.returncode == 1 and "nothing to back up" in no_database.stderr
    assert no_output.returncode == 2 and "usage: backup -o FILE" in no_output.stderr
    assert (var / "secrets.env").read_text().startswith("BMP_SECRET_KEY=first")


def _mysql_server() -> str:
    """The MariaDB/MySQL of the test run: the external pass's, else run-tests.sh's default."""
    url = os.environ.get("BMP_DATABASE_URL", "")
    if not url.startswith(("mysql", "mariadb")):
        url = os.environ.get("BMP_TEST_DATABASE_URL", "mysql://root@127.0.0.1:3306/bmp")
    try:
        import MySQLdb

        parts = urlsplit(url)
        MySQLdb.connect(
            host=parts.hostname, port=parts.port or 3306, user=parts.username or "root",
            passwd=parts.password or "", connect_timeout=3,
        ).close()  # fmt: skip
    except Exception as error:  # the server is optional outside the external pass
        if os.environ.get("BMP_TEST_EXTERNAL") == "1":
            raise
        pytest.skip(f"no MariaDB/MySQL answers at {urlsplit(url).hostname}: {error}")
    return url


def test_backup_then_restore_round_trips_a_mariadb_database(tmp_path):
    url = _mysql_server()
    conn, name, db_url = mysql_database(
        url, prefix=os.environ.get("BMP_TEST_DB_PREFIX", "bmp_deploy_")
    )
    try:
        cursor = conn.cursor()
        cursor.execute(f"USE {name}")
        cursor.execute("CREATE TABLE instance (id VARCHAR(16) PRIMARY KEY, status VARCHAR(16))")
        cursor.execute("INSERT INTO instance VALUES ('i-1', 'running'), ('i-2', '运行中')")
        conn.commit()
        var = tmp_path / "var"
        _platform_files(var)
        environment = _backup_env(var, BMP_DATABASE_URL=db_url)
        archive = tmp_path / "bmp-backup.tar.gz"

        made = _deploy(environment, "backup", "-o", str(archive))

        assert made.returncode == 0, made.stdout + made.stderr
        assert "database: mysql" in made.stdout
        with tarfile.open(archive) as tar:
            assert "database.sql" in tar.getnames()
            dump = tar.extractfile("database.sql").read().decode()
        assert "CREATE TABLE `instance`" in dump
        assert urlsplit(db_url).password is None or urlsplit(db_url).password not in dump
        # Changes after the backup, among them a table a later migration would add.
        cursor.execute("DELETE FROM instance WHERE id = 'i-1'")
        cursor.execute("CREATE TABLE added_later (id INT)")
        conn.commit()

        restored = _deploy(environment, "restore", str(archive))

        assert restored.returncode == 0, restored.stdout + restored.stderr
        cursor.execute("SELECT id, status FROM instance ORDER BY id")
        assert cursor.fetchall() == (("i-1", "running"), ("i-2", "运行中"))
        cursor.execute("SHOW TABLES")
        assert cursor.fetchall() == (("instance",),)
        # A SQLite platform takes no MySQL dump.
        sqlite_side = _deploy(_backup_env(tmp_path / "other"), "restore", str(archive))
        assert sqlite_side.returncode == 1
        assert "holds a mysql database" in sqlite_side.stderr
    finally:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
        conn.close()

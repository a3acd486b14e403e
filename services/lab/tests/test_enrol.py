"""`python -m bmp_lab enrol` against the real openapi (gunicorn, its own SQLite database).

The platform runs in a subprocess as in production; its broker is a spare logical database of
the tests' redis, so the PutawayDevice jobs that mounting submits can be counted there (no
scheduler consumes them: the devices stay putawaying).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis

from bmp_common import env
from bmp_common.testing.ports import free_port
from bmp_lab.cli import main
from bmp_lab.fleet import Fleet, write_state

ROOT = Path(__file__).resolve().parents[3]
MANAGE = str(ROOT / "services" / "openapi" / "manage.py")
# The broker's logical database of this test worker (bmp_common.testing.plugin gives each
# worker six, from BMP_REDIS_DB_BASE): a fixed number past them is another worker's, or none.
BROKER_DB = env.REDIS_DB_BROKER
SCHEDULER_QUEUE = "scheduler"  # where bmp.scheduler.submit_job goes (bmp_common.queues)

pytestmark = pytest.mark.slow


def get(base: str, path: str, key: str) -> dict:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {key}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return json.loads(answer.read())["result"]


def wait_healthy(base: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"openapi exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=3) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"openapi not healthy after {timeout} s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """openapi (operation profile) on a free port, migrated, with an admin key file."""
    work = tmp_path_factory.mktemp("platform")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bmp_openapi.settings",
        "BMP_OPENAPI_PROFILE": "operation",
        "BMP_SECRET_KEY": secrets.token_urlsafe(40),
        "BMP_ENCRYPTION_KEY": env.env_str("BMP_ENCRYPTION_KEY"),
        "BMP_DATA_DIR": str(work),
        "BMP_DATABASE_URL": f"sqlite:///{work}/db.sqlite3",
        "BMP_CREDENTIALS_FILE": str(work / "credentials"),
        # The tests' redis (private or external), reached the way the plugin configured it.
        "BMP_REDIS_URL": env.redis_url(0),
        "BMP_BROKER_URL": env.celery_redis_url(BROKER_DB),
    }
    for command in (["migrate", "--noinput"], ["bmp_bootstrap"]):
        done = subprocess.run(
            [sys.executable, MANAGE, *command],
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    log = work / "openapi.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "bmp_openapi.wsgi:application"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"),
            ],
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    broker = redis.Redis.from_url(env.redis_url(BROKER_DB))
    # This test worker's broker database: what earlier tests left in the queue is not ours.
    broker.delete(SCHEDULER_QUEUE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, log)
        key_file = work / "credentials"
        key = dict(line.split("=", 1) for line in key_file.read_text().split())["BMP_ADMIN_API_KEY"]
        yield {"base": base, "key_file": key_file, "key": key, "broker": broker}
    finally:
        process.terminate()
        process.wait(timeout=20)
        broker.delete(SCHEDULER_QUEUE)
        broker.close()


def enrol(platform, state_dir: Path, capsys, *extra: str) -> tuple[int, list[str]]:
    api, key_file = platform["base"], str(platform["key_file"])
    code = main(
        ["enrol", "--api", api, "--state-dir", str(state_dir), "--key-file", key_file, *extra]
    )
    out = capsys.readouterr()
    return code, (out.out + out.err).splitlines()


def test_enrol_imports_and_mounts_the_fleet_once(platform, tmp_path, capsys):
    password = secrets.token_urlsafe(12)
    with Fleet(3, base_port=0, username="admin", password=password) as fleet:
        write_state(fleet, tmp_path)
        code, lines = enrol(platform, tmp_path, capsys)
        assert code == 0, lines
        assert lines[-1].startswith("idc_id=")
        idc_id = lines[-1].removeprefix("idc_id=")
        assert "3 lab server(s): 3 imported, 3 mounted, 0 already enrolled" in lines
        assert password not in "\n".join(lines)

        devices = get(platform["base"], f"/v1/devices?idcId={idc_id}&isAll=1", platform["key"])
        by_sn = {d["sn"]: d for d in devices["devices"]}
        assert sorted(by_sn) == ["LAB-0001", "LAB-0002", "LAB-0003"]
        for server in fleet.nodes:
            device = by_sn[server.sn]
            assert device["iloIp"] == "127.0.0.1"
            assert device["iloPort"] == server.bmc_port
            assert device["bmcInterface"] == "native"
            assert device["mac1"] == server.mac
            assert device["iloUser"] == "admin"
            assert device["iloPassword"] == "******"
            assert device["deviceType"] == "lab.vm"
            assert device["manageStatus"] == "putawaying"
        assert by_sn["LAB-0001"]["privateIpv4"] == "10.200.0.11"
        assert by_sn["LAB-0001"]["gateway"] == "10.200.0.1"
        # Each mount handed a PutawayDevice job to the scheduler's queue.
        assert platform["broker"].llen(SCHEDULER_QUEUE) == 3

        code, lines = enrol(platform, tmp_path, capsys)
        assert code == 0, lines
        assert lines[-1] == f"idc_id={idc_id}"
        assert "3 lab server(s): 0 imported, 0 mounted, 3 already enrolled" in lines
        assert platform["broker"].llen(SCHEDULER_QUEUE) == 3

        # No scheduler runs here: --wait gives up after its timeout and says what to check.
        code, lines = enrol(platform, tmp_path, capsys, "--wait", "--timeout", "1")
        assert code == 1
        assert lines[-1].startswith("bmp-lab enrol: 3 device(s) still being put away after 1 s")

    idcs = get(platform["base"], "/v1/idcs?name=lab&isAll=1", platform["key"])["idcs"]
    assert [idc["idcId"] for idc in idcs] == [idc_id]
    assert idcs[0]["shortname"] == "lab"

    # A bigger fleet (same identities, more servers): only the new server is enrolled.
    with Fleet(4, base_port=0, username="admin", password=password) as fleet:
        write_state(fleet, tmp_path)
        code, lines = enrol(platform, tmp_path, capsys)
    assert code == 0, lines
    assert "imported 1 device(s): LAB-0004" in lines
    assert lines[-1] == f"idc_id={idc_id}"
    assert platform["broker"].llen(SCHEDULER_QUEUE) == 4


def test_enrol_explains_what_went_wrong(platform, tmp_path, capsys):
    with Fleet(1, base_port=0, username="admin", password="pw-1234") as fleet:
        write_state(fleet, tmp_path)
        bad_key = tmp_path / "key"
        bad_key.write_text("not-a-key\n")
        api = platform["base"]
        code = main(
            ["enrol", "--api", api, "--state-dir", str(tmp_path), "--key-file", str(bad_key)]
        )
        err = capsys.readouterr().err
        assert code == 1
        assert "GET /v1/idcs: " in err and "(401): Missing or invalid credentials" in err

        nowhere = {**platform, "base": f"http://127.0.0.1:{free_port()}"}
        code, lines = enrol(nowhere, tmp_path, capsys)
        assert code == 1
        assert "cannot reach the API at http://127.0.0.1:" in lines[-1]

    code, lines = enrol(platform, tmp_path / "nowhere", capsys)
    assert code == 1
    assert "no running lab fleet" in lines[-1]

"""bmpctl against the real platform and lab: configured as a user would, each command run as a
program (the installed ``bmpctl`` when the venv has it, else ``python -m bmp_ctl``), asserting
what it prints and its exit code.
"""

from __future__ import annotations

import json
import os
import pty
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bmp_common.messages.jobs import NO_RAID_ID

pytestmark = [pytest.mark.integration, pytest.mark.slow]

INSTALLED = Path(sys.executable).with_name("bmpctl")
BMPCTL = [str(INSTALLED)] if INSTALLED.exists() else [sys.executable, "-m", "bmp_ctl"]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("bmpctl-home")


def bmpctl(home: Path, *args: str, stdin: str = "", env: dict | None = None, timeout=180):
    """Runs bmpctl; returns (exit code, stdout, stderr)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BMP_", "LC_", "LANG"))}
    clean.update({"XDG_CONFIG_HOME": str(home / "config"), "LANG": "C.UTF-8", **(env or {})})
    done = subprocess.run(
        [*BMPCTL, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean,
        timeout=timeout,
    )
    return done.returncode, done.stdout, done.stderr


def bmpctl_on_a_terminal(home: Path, *args: str, timeout=180) -> tuple[int, str]:
    """Runs bmpctl with its stderr on a pseudo-terminal; returns (exit code, what it drew)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BMP_", "LC_", "LANG"))}
    clean.update({"XDG_CONFIG_HOME": str(home / "config"), "LANG": "C.UTF-8"})
    master, slave = pty.openpty()
    drawn = bytearray()

    def read():
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's last user closed it
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    process = subprocess.Popen(
        [*BMPCTL, *args], stdout=subprocess.DEVNULL, stderr=slave, env=clean, close_fds=True
    )
    os.close(slave)
    code = process.wait(timeout=timeout)
    reader.join(timeout=10)
    os.close(master)
    return code, drawn.decode(errors="replace")


@pytest.fixture(scope="module")
def configured(lab, home):
    credentials = (lab.platform.var / "data" / "credentials").read_text()
    url = f"http://127.0.0.1:{lab.platform.openapi_port}"
    # As the README has it: ./bmp-deploy.sh credentials | bmpctl configure --url …
    code, out, err = bmpctl(home, "configure", "--url", url, stdin=credentials)
    assert code == 0, err
    assert "profile operation" in out  # asked of the API's /swagger.json
    return home


def test_configure_writes_the_key_to_a_file_only_its_owner_reads(configured):
    path = configured / "config" / "bmp" / "config"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "key = " in path.read_text()


def test_describe_idcs_as_json_and_as_a_table(lab, configured):
    code, out, err = bmpctl(configured, "idc", "describeIdcs", "-o", "json")
    assert code == 0, err
    answer = json.loads(out)
    assert lab.idc_id in [idc["idcId"] for idc in answer["idcs"]]

    code, out, err = bmpctl(configured, "idc", "describeIdcs", "--output", "table")
    assert code == 0, err
    header, *rows, footer = out.splitlines()
    assert header.split()[:2] == ["idcId", "name"]
    assert any(row.split()[:2] == [lab.idc_id, "lab"] for row in rows)
    assert footer == f"page 1 of 1, {answer['totalCount']} in all"


def test_create_describe_and_delete_an_idc(configured):
    code, out, err = bmpctl(
        configured,
        *("idc", "createIdc", "--name", "上海二", "--nameEn", "sh2", "--level", "T3"),
        *("--shortname", "sh2", "-o", "json"),
    )
    assert code == 0, err
    idc_id = json.loads(out)["idcId"]

    code, out, err = bmpctl(configured, "idc", "describeIdc", "--idc_id", idc_id, "-o", "yaml")
    assert code == 0, err
    assert "name: 上海二" in out and "nameEn: sh2" in out

    code, out, err = bmpctl(configured, "idc", "deleteIdc", "--idc_id", idc_id, "-o", "table")
    assert (code, out.split()) == (0, ["FIELD", "VALUE", "success", "true"]), err

    code, out, err = bmpctl(configured, "idc", "describeIdc", "--idc_id", idc_id)
    assert (code, out) == (1, "")
    assert err.startswith("error 404 NOT_FOUND: ") and idc_id in err


def test_the_api_errors_come_in_the_language_asked_for(configured):
    code, _, err = bmpctl(configured, "--lang", "zh", "idc", "describeIdc", "--idc_id", "idc-no")
    assert code == 1
    assert err.startswith("错误 404 NOT_FOUND: 机房 idc-no 不存在")
    # LANG alone chooses it too, for bmpctl's words and the API's.
    code, _, err = bmpctl(
        configured, "idc", "describeIdc", "--idc_id", "idc-no", env={"LANG": "zh_CN.UTF-8"}
    )
    assert code == 1 and err.startswith("错误 404 NOT_FOUND: 机房")


def test_a_call_outside_the_contract_is_not_sent(configured):
    code, out, err = bmpctl(configured, "idc", "describeIdcs", "--pageSize", "5000")
    assert (code, out) == (2, "")
    assert err.startswith("bmpctl: not sent, the contract refuses it: pageSize")

    code, _, err = bmpctl(configured, "idc", "createIdc", "--name", "x")
    assert code == 2
    assert err == "bmpctl: missing required fields: --nameEn, --level\n"


def test_the_environment_overrides_the_config_file(lab, home):
    url = f"http://127.0.0.1:{lab.platform.openapi_port}"
    code, _, err = bmpctl(
        home, "idc", "describeIdcs", env={"BMP_API_URL": url, "BMP_API_KEY": "not-a-key"}
    )
    assert code == 1
    assert err.startswith("error 401 ")

    empty = home / "nothing"
    code, _, err = bmpctl(empty, "idc", "describeIdcs", env={"BMP_API_URL": url})
    assert code == 2
    assert "bmpctl configure" in err

    code, _, err = bmpctl(
        empty, "idc", "describeIdcs", env={"BMP_API_URL": "http://127.0.0.1:9", "BMP_API_KEY": "k"}
    )
    assert code == 3
    assert err.startswith("bmpctl: cannot reach the API at http://127.0.0.1:9: ")


def _create_args(lab, name: str) -> list[str]:
    return [
        *("instance", "createProjectInstance", "--idcId", lab.idc_id),
        *("--projectId", lab.project_id(), "--deviceTypeId", lab.device_type_id),
        *("--imageId", lab.image_id, "--systemVolumeRaidId", NO_RAID_ID),
        *("--instanceName", name, "--password", "Root-Pass-2026", "-o", "json"),
    ]


def test_wait_follows_an_instance_through_create_stop_and_delete(lab, configured):
    code, out, err = bmpctl(
        configured, *_create_args(lab, "ctl-create"), "--wait", "--interval", "0.2"
    )
    assert code == 0, err
    (instance_id,) = json.loads(out)["instanceIds"]
    lines = err.splitlines()
    # Not a terminal: one line per step seen, then the outcome.
    assert lines[-1] == f"{instance_id}: Running", err
    steps = [line for line in lines[:-1] if " step " in line]
    assert steps and all(line.startswith(f"{instance_id}  [") for line in steps), err
    assert lab.instance(instance_id)["status"] == "running"

    code, _, err = bmpctl(
        configured,
        *("instance", "restartProjectInstance", "--instance_id", instance_id, "--wait"),
    )
    assert (code, err.splitlines()[-1]) == (0, f"{instance_id}: Running"), err

    code, _, err = bmpctl(
        configured, "instance", "stopProjectInstance", "--instance_id", instance_id, "--wait"
    )
    assert (code, err.splitlines()[-1]) == (0, f"{instance_id}: Stopped"), err
    assert lab.fleet.by_sn(lab.instance(instance_id)["sn"]).power == "off"

    code, _, err = bmpctl(
        configured, "instance", "deleteProjectInstance", "--instance_id", instance_id, "--wait"
    )
    assert (code, err.splitlines()[-1]) == (0, f"{instance_id}: deleted"), err


def test_wait_on_a_terminal_redraws_its_bar_and_fails_with_the_reason(lab, configured):
    # On a terminal: the bar is redrawn in place (cursor up, erase line), full at the end.
    code, drawn = bmpctl_on_a_terminal(
        configured, *_create_args(lab, "ctl-fail"), "--wait", "--interval", "0.1"
    )
    assert code == 0, drawn
    frames = drawn.split("\x1b[2K")
    assert len(frames) > 2 and "\x1b[1F" in drawn, drawn
    instance_id = frames[-1].split()[-2].rstrip(":")
    assert frames[-1].strip() == f"[{'#' * 24}] 100%  {instance_id}: Running", drawn
    code, _, err = bmpctl(
        configured, "instance", "stopProjectInstance", "--instance_id", instance_id, "--wait"
    )
    assert code == 0, err
    node = lab.fleet.by_sn(lab.instance(instance_id)["sn"])
    node.set_wrong_password(True)  # someone changed the password on the BMC
    try:
        code, _, err = bmpctl(
            configured,
            *("instance", "startProjectInstance", "--instance_id", instance_id, "--wait"),
        )
    finally:
        node.set_wrong_password(False)
    assert code == 1, err
    last = err.splitlines()[-1]
    assert last.startswith(f"{instance_id}: Startup failed: USERNAME_OR_PASSWORD_ERROR"), err


def test_the_completion_script_completes_the_contracts_operations(configured, tmp_path):
    code, script, err = bmpctl(configured, "completion", "bash")
    assert code == 0, err
    (tmp_path / "bmpctl.bash").write_text(script)
    probe = (
        f"source {tmp_path / 'bmpctl.bash'}\n"
        "COMP_WORDS=(bmpctl instance st); COMP_CWORD=2; _bmpctl\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    assert sorted(done.stdout.split()) == [
        "startInstances",
        "startProjectInstance",
        "stopInstances",
        "stopProjectInstance",
    ]


def readme_walkthrough() -> str:
    """The bmpctl lines of the README's first section (the platform, the lab and the
    configuration are the fixtures' here)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## From nothing to a running server", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = block.replace("\\\n", " ").splitlines()
    return "\n".join(
        line for line in commands if line.strip() and not line.startswith(("./", "export "))
    )


def test_the_readmes_walkthrough_installs_a_lab_server(lab, configured, tmp_path):
    script = readme_walkthrough()
    assert "bmpctl instance createProjectInstance" in script and "--wait" in script
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "bmpctl"
    wrapper.write_text("#!/bin/sh\nexec " + " ".join(f"'{part}'" for part in BMPCTL) + ' "$@"\n')
    wrapper.chmod(0o755)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BMP_", "LC_", "LANG"))}
    clean.update(
        XDG_CONFIG_HOME=str(configured / "config"),
        LANG="C.UTF-8",
        PATH=f"{bin_dir}:{os.environ['PATH']}",
    )
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        env=clean,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    # Two JSON documents (not a terminal): the create's answer, then the list.
    created, end = json.JSONDecoder().raw_decode(done.stdout)
    (instance,) = json.loads(done.stdout[end:])["instances"]
    assert created["instanceIds"] == [instance["instanceId"]]
    assert (instance["instanceName"], instance["status"]) == ("web-1", "running")
    assert done.stderr.splitlines()[-1] == f"{instance['instanceId']}: Running"

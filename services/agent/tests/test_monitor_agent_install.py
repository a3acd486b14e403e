"""InstallMonitorAgent: the bundle the image service serves lands in the target root, its unit
enabled, the credential in a 0600 file and nowhere else (not in the result, not in the log)."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys

import pytest

from bmp_agent.context import StepContext
from bmp_agent.steps import run_step
from bmp_monitor_agent import bundle

CREDENTIAL = "s3cr3t-credential-of-the-instance-0123456789abcdef"
PROXY = "http://10.200.0.1:8805/api/v1/agent/"


@pytest.fixture
def served(http_dir):
    folder, base = http_dir
    _, digest = bundle.build(folder / "monitor-agent")
    return folder, f"{base}/monitor-agent/{bundle.NAME}", digest


def guest(root, *, systemd=True, python=True):
    (root / "etc").mkdir(parents=True)
    (root / "usr/bin").mkdir(parents=True)
    if python:
        # as in a real image: a link the LiveOS cannot follow (it names the guest's python)
        os.symlink("python3.11", root / "usr/bin/python3")
    if systemd:
        (root / "lib/systemd").mkdir(parents=True)
        (root / "lib/systemd/systemd").write_bytes(b"\x7fELF")
    return StepContext(target_root=root, work_dir=root.parent / "work", disks=[])


def params(url):
    return {"bundle_url": url, "proxy_url": PROXY, "credential": CREDENTIAL}


def test_the_agent_lands_in_the_guest_with_its_unit_enabled(tmp_path, served, caplog):
    _, url, digest = served
    root = tmp_path / "target"
    ctx = guest(root)
    caplog.set_level(logging.DEBUG)

    status, data, error = run_step("InstallMonitorAgent", params(url), ctx)

    assert (status, error) == ("ok", None)
    assert data == {
        "home": "/opt/bmp/monitor-agent",
        "config": "/etc/bmp-agent/agent.json",
        "service": "systemd",
        "agent": "python3",
        "bundle_sha256": digest,
        "files": 5,
    }
    home = root / "opt/bmp/monitor-agent/bmp_monitor_agent"
    assert sorted(p.name for p in home.iterdir()) == [
        "__init__.py",
        "__main__.py",
        "agent.py",
        "collect.py",
        "mdstat.py",
    ]
    package = bundle.PACKAGE
    assert (home / "collect.py").read_bytes() == (package / "collect.py").read_bytes()
    credential = root / "etc/bmp-agent/credential"
    assert credential.read_text() == CREDENTIAL + "\n"
    assert stat.S_IMODE(credential.stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "etc/bmp-agent").stat().st_mode) == 0o700
    config = json.loads((root / "etc/bmp-agent/agent.json").read_text())
    assert config == {
        "proxy_url": PROXY,
        "credential_file": "/etc/bmp-agent/credential",
        "interval_s": 60,
    }
    unit = root / "etc/systemd/system/bmp-monitor-agent.service"
    assert "ExecStart=/usr/bin/python3 -m bmp_monitor_agent" in unit.read_text()
    wants = root / "etc/systemd/system/multi-user.target.wants/bmp-monitor-agent.service"
    assert os.readlink(wants) == "/etc/systemd/system/bmp-monitor-agent.service"
    # the credential is in its file only
    assert CREDENTIAL not in json.dumps(data)
    assert CREDENTIAL not in caplog.text
    assert CREDENTIAL not in (root / "etc/bmp-agent/agent.json").read_text()


def test_the_installed_files_run_with_python3(tmp_path, served):
    """What the unit runs: ``python3 -m bmp_monitor_agent`` from the installed folder."""
    _, url, _ = served
    root = tmp_path / "target"
    run_step("InstallMonitorAgent", params(url), guest(root))
    done = subprocess.run(
        [sys.executable, "-m", "bmp_monitor_agent", "--help"],
        env={"PYTHONPATH": str(root / "opt/bmp/monitor-agent"), "PATH": os.environ["PATH"]},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--once" in done.stdout


def test_without_systemd_the_sysv_script_is_linked_into_the_runlevels(tmp_path, served):
    _, url, _ = served
    root = tmp_path / "target"
    status, data, _ = run_step("InstallMonitorAgent", params(url), guest(root, systemd=False))
    assert (status, data["service"]) == ("ok", "sysv")
    script = root / "etc/init.d/bmpd"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert os.readlink(root / "etc/rc3.d/S90bmpd") == "../init.d/bmpd"
    assert os.readlink(root / "etc/rc0.d/K10bmpd") == "../init.d/bmpd"
    assert not (root / "etc/systemd").exists()


def test_a_system_without_python3_gets_the_shell_heartbeat(tmp_path, served):
    """A busybox guest: the heartbeat (with its RAID arrays) from the bundle's sh script, run by
    the SysV script, or by the unit where systemd runs."""
    _, url, _ = served
    root = tmp_path / "t"
    ctx = guest(root, python=False, systemd=False)
    (root / "bin").mkdir()
    os.symlink("busybox", root / "bin/sh")

    status, data, error = run_step("InstallMonitorAgent", params(url), ctx)

    assert (status, error, data["agent"], data["service"]) == ("ok", None, "sh", "sysv")
    shell = root / "opt/bmp/monitor-agent/bmp-monitor-agent.sh"
    assert shell.read_bytes() == (bundle.DIST / "bmp-monitor-agent.sh").read_bytes()
    assert stat.S_IMODE(shell.stat().st_mode) == 0o755
    assert os.readlink(root / "etc/rc2.d/S90bmpd") == "../init.d/bmpd"
    assert "bmp-monitor-agent.sh" in (root / "etc/init.d/bmpd").read_text()
    assert (root / "etc/bmp-agent/credential").read_text() == CREDENTIAL + "\n"

    with_systemd = tmp_path / "s"
    ctx = guest(with_systemd, python=False)
    (with_systemd / "bin").mkdir()
    os.symlink("busybox", with_systemd / "bin/sh")
    status, data, _ = run_step("InstallMonitorAgent", params(url), ctx)
    assert (status, data["agent"], data["service"]) == ("ok", "sh", "systemd")
    unit = (with_systemd / "etc/systemd/system/bmp-monitor-agent.service").read_text()
    assert "ExecStart=/bin/sh /opt/bmp/monitor-agent/bmp-monitor-agent.sh " in unit
    assert "python3" not in unit


def test_a_system_without_python3_nor_sh_is_told_so(tmp_path, served):
    _, url, _ = served
    status, data, error = run_step(
        "InstallMonitorAgent", params(url), guest(tmp_path / "t", python=False)
    )
    assert (status, error) == ("failed", "MONITOR_AGENT_NO_PYTHON")
    assert "python3" in data["message"]
    assert not (tmp_path / "t/etc/bmp-agent").exists()


def test_a_bundle_that_does_not_match_its_checksum_is_refused(tmp_path, served):
    folder, url, _ = served
    tarball = folder / "monitor-agent" / bundle.NAME
    tarball.write_bytes(tarball.read_bytes()[:-10] + b"0123456789")
    status, _, error = run_step("InstallMonitorAgent", params(url), guest(tmp_path / "t"))
    assert (status, error) == ("failed", "MONITOR_AGENT_CHECKSUM_MISMATCH")
    assert not (tmp_path / "t/opt").exists()


def test_a_bundle_with_other_entries_is_refused(tmp_path, served):
    import hashlib
    import io
    import tarfile

    folder, url, _ = served
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        info = tarfile.TarInfo("../../etc/cron.d/evil")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    data = raw.getvalue()
    (folder / "monitor-agent" / bundle.NAME).write_bytes(data)
    (folder / "monitor-agent" / f"{bundle.NAME}.sha256").write_text(
        hashlib.sha256(data).hexdigest() + "\n"
    )
    status, answer, error = run_step("InstallMonitorAgent", params(url), guest(tmp_path / "t"))
    assert (status, error) == ("failed", "MONITOR_AGENT_BUNDLE_INVALID")
    assert "evil" in answer["message"]
    assert not list(tmp_path.rglob("evil"))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"credential": ""}, "MONITOR_AGENT_CREDENTIAL_MISSING"),
        ({"proxy_url": "ftp://x/"}, "MONITOR_AGENT_PROXY_INVALID"),
        ({"bundle_url": ""}, "MONITOR_AGENT_BUNDLE_MISSING"),
        ({"bundle_url": "http://127.0.0.1:9/nothing.tar.gz"}, "MONITOR_AGENT_DOWNLOAD_FAILED"),
    ],
)
def test_missing_or_wrong_params_fail_clearly(tmp_path, served, change, error):
    _, url, _ = served
    status, data, code = run_step(
        "InstallMonitorAgent", {**params(url), **change}, guest(tmp_path / "t")
    )
    assert (status, code) == ("failed", error)
    assert CREDENTIAL not in json.dumps(data)

"""dist/bmp-monitor-agent.sh, the heartbeat of a guest without python3, run as such a guest
runs it: busybox's sh, awk, sed and wget only on PATH. What the proxy receives is the Python
agent's heartbeat: the same arrays from the same /proc/mdstat, the SN from DMI, the
credential as a bearer token; and a last heartbeat (status 2) when it is stopped."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from bmp_common.testing.requirements import require_tools
from bmp_monitor_agent import mdstat
from bmp_monitor_agent.bundle import DIST
from bmp_monitor_agent.fake import FakeHost

from .test_mdstat import DEGRADED_MIRROR, HEALTHY_MIRROR, MIXED

SCRIPT = DIST / "bmp-monitor-agent.sh"
APPLETS = ("sh", "awk", "sed", "tr", "head", "wget", "timeout", "date", "sleep", "cat")


class Proxy:
    """A real HTTP server that keeps what it is posted."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str, dict]] = []
        got = self.got

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                got.append((self.path, self.headers.get("Authorization", ""), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/agent"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy():
    served = Proxy()
    yield served
    served.close()


@pytest.fixture
def guest(tmp_path) -> tuple[FakeHost, Path, dict[str, str]]:
    """A fake /proc and /sys, agent.json as InstallMonitorAgent writes it, a busybox PATH."""
    require_tools("busybox", install="apt-get install busybox-static")
    busybox = subprocess.run(["sh", "-c", "command -v busybox"], capture_output=True, text=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for applet in APPLETS:
        (bin_dir / applet).symlink_to(busybox.stdout.strip())
    host = FakeHost(tmp_path / "host", sn="LAB-0003")
    credential = tmp_path / "credential"
    credential.write_text("s3cr3t-of-the-instance\n")
    env = {
        "PATH": str(bin_dir),
        "BMP_AGENT_PROC": str(host.proc),
        "BMP_AGENT_SYS": str(host.sys),
    }
    return host, credential, env


def configure(tmp_path: Path, proxy: Proxy, credential: Path, interval_s: int = 60) -> Path:
    conf = tmp_path / "agent.json"
    settings = {"proxy_url": proxy.url, "credential_file": str(credential)}
    settings["interval_s"] = interval_s
    conf.write_text(json.dumps(settings, indent=1) + "\n")
    return conf


@pytest.mark.parametrize("text", [HEALTHY_MIRROR, DEGRADED_MIRROR, MIXED])
def test_the_heartbeat_carries_the_arrays_the_python_agent_reads(tmp_path, proxy, guest, text):
    host, credential, env = guest
    (host.proc / "mdstat").write_text(text)
    conf = configure(tmp_path, proxy, credential)

    argv = ["sh", str(SCRIPT), str(conf), "--once"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)

    assert done.returncode == 0, done.stderr
    ((path, authorization, body),) = proxy.got
    assert path == "/api/v1/agent/heartbeat"
    assert authorization == "Bearer s3cr3t-of-the-instance"
    assert (body["sn"], body["status"], body["instance_id"]) == ("LAB-0003", 1, "")
    assert abs(body["timestamp"] - time.time()) < 60
    python = [{k: v for k, v in a.items() if k != "sync"} for a in mdstat.parse(text)]
    assert body["software_raid"] == python


def test_no_md_driver_sends_an_empty_list(tmp_path, proxy, guest):
    _, credential, env = guest
    conf = configure(tmp_path, proxy, credential)
    done = subprocess.run(["sh", str(SCRIPT), str(conf), "--once"], env=env, timeout=30)
    assert done.returncode == 0
    assert proxy.got[0][2]["software_raid"] == []


def test_it_reports_at_its_start_and_says_goodbye_when_stopped(tmp_path, proxy, guest):
    host, credential, env = guest
    (host.proc / "mdstat").write_text(DEGRADED_MIRROR)
    conf = configure(tmp_path, proxy, credential, interval_s=3600)
    agent = subprocess.Popen(
        ["sh", str(SCRIPT), str(conf)], env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 20
        while not proxy.got and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [b["status"] for _, _, b in proxy.got] == [1]  # at once, not an hour later
        assert proxy.got[0][2]["software_raid"][0]["degraded"] is True
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(20) == 0
    finally:
        if agent.poll() is None:
            os.killpg(agent.pid, signal.SIGKILL)
    assert [b["status"] for _, _, b in proxy.got] == [1, 2]
    assert "software_raid" not in proxy.got[1][2]

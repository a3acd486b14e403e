"""In-band monitoring end to end, over real processes: openapi (both profiles), pronoea, the
monitor-proxy, and Debian's Prometheus, Pushgateway and Alertmanager, with BMP's minute made
one second (BMP_MONITOR_MINUTE_S=1: scrape, evaluation, rule durations, notice periods).

A lab instance's agent (the real bmp_monitor_agent code, reading a fake /proc tree with the
instance's SN) reports through the proxy; a rule "bmp.cpu.util avg > 80 for 1 period" made
through the API fires within 10 s of a high value (describeAlerts shows it, the owner has an
`inbond-alert` message) and recovers on a low one (the rule back to normal, a recovery
message); getMonitorData returns the series; an agent without a valid credential is refused.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from bmp_common.messages.jobs import NO_RAID_ID
from bmp_common.testing.requirements import require_tools
from bmp_lab.fleet import Fleet
from bmp_lab.platform import Platform, free_port, wait_for, wait_http
from bmp_monitor_agent.agent import Agent, Settings
from bmp_monitor_agent.collect import Collector
from bmp_monitor_agent.fake import FakeHost

from .conftest import PLATFORM_SERVICES, TEST_SETTINGS, Lab

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MONITORING = (
    "bmp-pushgateway",
    "bmp-alertmanager",
    "bmp-prometheus",
    "bmp-pronoea",
    "bmp-monitor-proxy",
)
WITHIN = 10  # seconds, from a high value to the alert and its message


class Reporter:
    """The real agent code against a fake /proc tree, ticking every second in a thread; the
    CPU it reads is ``level`` percent busy."""

    def __init__(self, host: FakeHost, settings: Settings):
        self.host, self.level = host, 10
        self.agent = Agent(
            settings, collector=Collector(proc=host.proc, sys=host.sys, statvfs=host.statvfs)
        )
        self.stopping = threading.Event()
        self.last = (0, 0)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.wait(1.0 - time.time() % 1.0):
            self.host.set_cpu(self.level)
            self.last = self.agent.tick(int(time.time()))

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def monitored(tmp_path_factory):
    require_tools(
        "prometheus",
        "prometheus-pushgateway",
        "prometheus-alertmanager",
        "promtool",
        install="apt-get install prometheus prometheus-pushgateway prometheus-alertmanager",
    )
    names = ("PROMETHEUS", "PUSHGATEWAY", "ALERTMANAGER", "PRONOEA", "MONITOR_PROXY", "IMAGE")
    ports = {name: free_port() for name in names}
    settings = {
        **TEST_SETTINGS,
        **{f"BMP_{name}_PORT": str(port) for name, port in ports.items()},
        "BMP_IMAGE_URL": f"http://127.0.0.1:{ports['IMAGE']}",
        "BMP_MONITOR_TOKEN": secrets.token_urlsafe(24),
        "BMP_MONITOR_MINUTE_S": "1",
    }
    guests = tmp_path_factory.mktemp("guests")
    platform = Platform(tmp_path_factory.mktemp("platform"), settings=settings)
    password = secrets.token_urlsafe(12)
    try:
        platform.up(*PLATFORM_SERVICES, "bmp-openapi-console", "bmp-image", *MONITORING)
        for name in ("PROMETHEUS", "PUSHGATEWAY", "ALERTMANAGER"):
            wait_http(f"http://127.0.0.1:{ports[name]}/-/ready", name.lower())
        for name in ("PRONOEA", "MONITOR_PROXY", "IMAGE"):
            wait_http(f"http://127.0.0.1:{ports[name]}/health", name.lower())
        gateway = f"http://127.0.0.1:{platform.gateway_port}"
        with Fleet(
            2,
            base_port=0,
            username="admin",
            password=password,
            gateway=gateway,
            agent_options={
                "heartbeat_interval": 0.1,
                "step_delay": 0,
                "gateway_ca": str(platform.gateway_ca),
                "guest_root": str(guests),
            },
        ) as fleet:
            lab = Lab(platform, fleet)
            lab.start_workers()
            lab.enrol(fleet, password, count=2)
            lab.ports, lab.guests = ports, guests
            yield lab
    except BaseException:
        print(platform.log_tails())
        raise
    finally:
        platform.stop()


def test_an_agent_reports_and_a_rule_fires_and_recovers(monitored, tmp_path):
    lab, api = monitored, monitored.api
    body = {
        "idcId": lab.idc_id,
        "projectId": lab.project_id(),
        "deviceTypeId": lab.device_type_id,
        "imageId": lab.image_id,
        "systemVolumeRaidId": NO_RAID_ID,
        "instanceName": "watched",
        "password": "Root-Pass-2026",
        "installBmpAgent": True,
    }
    (instance_id,) = api.post("/project/instances", body)["instanceIds"]
    instance = lab.wait_status(instance_id, ("running",))
    credential = lab.platform.manage(
        "bmp_openapi.settings", "bmp_monitor_credential", instance_id
    ).strip()
    proxy = f"http://127.0.0.1:{lab.ports['MONITOR_PROXY']}/api/v1/agent/"
    host = FakeHost(tmp_path / "guest", sn=instance["sn"])
    reporter = Reporter(
        host,
        Settings(
            proxy_url=proxy, credential=credential, interval_s=1, proc=host.proc, sys=host.sys
        ),
    )
    try:
        wait_for(lambda: reporter.last == (200, 200), 10, "the agent's first report")

        # An agent without a valid credential is refused.
        stranger = Agent(
            Settings(proxy_url=proxy, credential="not-the-credential", proc=host.proc, sys=host.sys)
        )
        assert stranger.tick(int(time.time())) == (401, 401)

        status = api.get("/monitorProxy/desrcibeAgentStatus", instanceId=instance_id)
        assert status["agentStatus"][0]["status"] == 1
        tags = api.get("/monitorProxy/desrcibeTags", instanceId=instance_id, tagName="nic")
        assert tags["tags"] == ["eth0", "eth1"]

        trigger = {
            "metric": "bmp.cpu.util",
            "period": 1,
            "calculation": "avg",
            "calculationUnit": "%",
            "operation": "gt",
            "threshold": 80,
            "times": 1,
            "noticeLevel": 2,
        }
        notice = {
            "noticePeriod": 5,
            "effectiveIntervalStart": "00:00:00",
            "effectiveIntervalEnd": "23:59:59",
            "noticeCondition": [1, 2],
            "noticeWay": [1],
        }
        rule_id = api.post(
            "/monitorRule/addRule",
            {
                "ruleName": "cpu high",
                "dimension": "instance",
                "resource": "instance",
                "instanceIds": [instance_id],
                "triggerOption": [trigger],
                "noticeOption": notice,
            },
        )["ruleId"]
        assert api.get("/offline/monitorRules/checkDiffFromPronoea") == {}  # pronoea has it

        reporter.level = 95
        high_at = time.monotonic()

        def alerted():
            alerts = api.get("/monitorAlert/describeAlerts", ruleId=rule_id)["instances"]
            messages = api.get("/messages", messageType="inbond-alert")["messages"]
            return alerts and messages and (alerts, messages)

        alerts, messages = wait_for(alerted, WITHIN, "the alert and its message", 0.2)
        took = time.monotonic() - high_at
        print(f"alert and message {took:.1f} s after the high value")
        assert alerts[0]["resourceId"] == instance_id and float(alerts[0]["alertValue"][:-1]) > 80
        assert messages[0]["message_sub_type"] == "bmp.cpu.util"
        assert api.get("/monitorRule/describeRule", ruleId=rule_id)["status"] == 3

        reporter.level = 10
        wait_for(
            lambda: api.get("/monitorRule/describeRule", ruleId=rule_id)["status"] == 1,
            30,
            "the rule back to normal",
            0.3,
        )
        recovered = api.get("/messages", messageType="inbond-alert")["messages"]
        assert any(m["is_recover"] == 1 and "[recovered]" in m["content"] for m in recovered)

        now = int(time.time())
        series = api.get(
            "/monitorData",
            metricName="bmp.cpu.util,bmp.network.bytes.ingress",
            instanceId=instance_id,
            startTime=now - 120,
            endTime=now,
            timeInterval=1,
        )
        cpu, network = series
        values = [float(point["value"]) for point in cpu["data"]]
        assert cpu["query"]["labels"]["metricName"] == "bmp.cpu.util"
        assert max(values) > 80 and values[-1] < 80
        assert network["query"]["labels"]["device"] == "eth0"  # the first NIC by default
        assert network["query"]["func"] == {"*": 8}
    finally:
        reporter.stop()


def test_the_proxy_refuses_what_is_not_an_agent(monitored):
    proxy = f"http://127.0.0.1:{monitored.ports['MONITOR_PROXY']}"

    def post(path, body, token=""):
        request = urllib.request.Request(
            f"{proxy}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert post("/api/v1/agent/put", {"sn": "x", "dataPoints": []}) == 401
    assert post("/api/v1/describeAgentStatus", {"instanceIds": ["bmp-x"]}, "guess") == 401


DEGRADED_MDSTAT = """\
Personalities : [raid1]
md127 : active raid1 vda2[0]
      1046528 blocks super 1.2 [2/1] [U_]

unused devices: <none>
"""


def test_install_bmp_agent_puts_the_agent_into_the_guest_and_it_reports(monitored, tmp_path):
    lab, api = monitored, monitored.api
    (instance_id,) = lab.create("with-agent", installBmpAgent=True)
    instance = lab.wait_status(instance_id, ("running",))
    guest = lab.guests / instance["sn"]

    # What the LiveOS wrote into the installed system.
    home = guest / "opt/bmp/monitor-agent"
    assert (home / "bmp_monitor_agent/agent.py").is_file()
    assert (home / "bmp_monitor_agent/mdstat.py").is_file()
    wants = guest / "etc/systemd/system/multi-user.target.wants/bmp-monitor-agent.service"
    assert os.readlink(wants) == "/etc/systemd/system/bmp-monitor-agent.service"
    unit = (guest / "etc/systemd/system/bmp-monitor-agent.service").read_text()
    assert "ExecStart=/usr/bin/python3 -m bmp_monitor_agent -c /etc/bmp-agent/agent.json" in unit
    credential = guest / "etc/bmp-agent/credential"
    assert stat.S_IMODE(credential.stat().st_mode) == 0o600
    config = json.loads((guest / "etc/bmp-agent/agent.json").read_text())
    proxy = f"http://127.0.0.1:{lab.ports['MONITOR_PROXY']}/api/v1/agent/"
    assert config == {
        "proxy_url": proxy,
        "credential_file": "/etc/bmp-agent/credential",
        "interval_s": 60,
    }
    # The credential went to the guest only: not into the platform's logs.
    secret = credential.read_text().strip()
    for log in lab.platform.logs.glob("*.log"):
        assert secret not in log.read_text(errors="replace"), log.name

    # The unit's command, with the installed files. The folder is not a booted system: its
    # paths are given as the folder's, and /proc is a fake tree with the server's SN and a
    # mirror that lost a disk.
    host = FakeHost(tmp_path / "host", sn=instance["sn"])
    (host.proc / "mdstat").write_text(DEGRADED_MDSTAT)
    run = tmp_path / "agent.json"
    run.write_text(
        json.dumps(
            {
                **config,
                "credential_file": str(credential),
                "proc": str(host.proc),
                "sys": str(host.sys),
            }
        )
    )
    env = {"PYTHONPATH": str(home), "PATH": os.environ["PATH"]}
    where = subprocess.run(
        [sys.executable, "-c", "import bmp_monitor_agent; print(bmp_monitor_agent.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip() == str(home / "bmp_monitor_agent/__init__.py")
    once = subprocess.run(
        [sys.executable, "-m", "bmp_monitor_agent", "-c", str(run), "--once"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(once.stdout.strip().splitlines()[-1]) == [200, 200], once.stderr

    status = api.get("/monitorProxy/desrcibeAgentStatus", instanceId=instance_id)
    assert status["agentStatus"][0]["status"] == 1
    pushed = urllib.request.urlopen(
        f"http://127.0.0.1:{lab.ports['PUSHGATEWAY']}/metrics", timeout=5
    ).read()
    assert f'instance_id="{instance_id}"'.encode() in pushed
    assert b'metric_name="bmp.cpu.util"' in pushed
    raid = api.get(f"/project/instances/{instance_id}")["instance"]["softwareRaid"]
    assert raid == [
        {
            "name": "md127",
            "level": "raid1",
            "devices": ["vda2"],
            "state": "active",
            "degraded": True,
        }
    ]

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
import secrets
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
    ports = {
        name: free_port()
        for name in ("PROMETHEUS", "PUSHGATEWAY", "ALERTMANAGER", "PRONOEA", "MONITOR_PROXY")
    }
    settings = {
        **TEST_SETTINGS,
        **{f"BMP_{name}_PORT": str(port) for name, port in ports.items()},
        "BMP_MONITOR_TOKEN": secrets.token_urlsafe(24),
        "BMP_MONITOR_MINUTE_S": "1",
    }
    platform = Platform(tmp_path_factory.mktemp("platform"), settings=settings)
    password = secrets.token_urlsafe(12)
    try:
        platform.up(*PLATFORM_SERVICES, "bmp-openapi-console", *MONITORING)
        for name in ("PROMETHEUS", "PUSHGATEWAY", "ALERTMANAGER"):
            wait_http(f"http://127.0.0.1:{ports[name]}/-/ready", name.lower())
        for name in ("PRONOEA", "MONITOR_PROXY"):
            wait_http(f"http://127.0.0.1:{ports[name]}/health", name.lower())
        gateway = f"http://127.0.0.1:{platform.gateway_port}"
        with Fleet(
            1,
            base_port=0,
            username="admin",
            password=password,
            gateway=gateway,
            agent_options={
                "heartbeat_interval": 0.1,
                "step_delay": 0,
                "gateway_ca": str(platform.gateway_ca),
            },
        ) as fleet:
            lab = Lab(platform, fleet)
            lab.start_workers()
            lab.enrol(fleet, password, count=1)
            lab.ports = ports
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

"""A running platform and a lab of virtual servers enrolled into it.

The platform is every service as a real process (``platform.Platform``); the lab's BMCs answer
real IPMI on 127.0.0.1 and its simulated agents call the real gateway. Timeouts are scaled
down so that a lost agent is noticed in seconds, not upstream's half hour.
"""

from __future__ import annotations

import secrets

import pytest

from bmp_common.messages.jobs import NO_RAID_ID
from bmp_lab import enrol
from bmp_lab.fleet import Fleet
from bmp_lab.platform import Platform, free_port, wait_for

# The web consoles' browser fixtures (chromium, a page, the screenshots' folder).
from .web_browser import chromium, page, shots  # noqa: F401

PLATFORM_SERVICES = (
    "bmp-openapi",
    "bmp-openapi-worker",
    "bmp-scheduler",
    "bmp-scheduler-gateway",
    "bmp-scheduler-gateway-tls",
)
TEST_SETTINGS = {
    "BMP_SCHEDULER_TIMEOUT_SCALE": "0.005",  # Ping 9 s, image writes 7.5 s, driver steps 0.9 s
    "BMP_SCHEDULER_BACKOFF_BASE": "0.2",
    "BMP_DRIVER_SOFT_OFF_GRACE": "1",
    "BMP_DRIVER_TIMEOUT": "2",
    # A dead agent is noticed after 4 s of silence (swept every second), not the step's timeout.
    "BMP_SCHEDULER_AGENT_SILENCE": "4",
    "BMP_SCHEDULER_SWEEP_INTERVAL": "1",
    # The flight recorder calls a boot stage stalled after 3 s (Ping times out after 9 s).
    "BMP_FLIGHT_STALL_S": "3",
    # In-band monitoring at addresses of the tests' own (a test starts the monitor-proxy there
    # when it needs one; nothing answers at pronoea's), never the defaults another platform on
    # the machine may hold.
    "BMP_PRONOEA_PORT": str(free_port()),
    "BMP_MONITOR_PROXY_PORT": str(free_port()),
    "BMP_MONITOR_TOKEN": secrets.token_urlsafe(24),
}


class Lab:
    """The enrolled lab: its fleet, IDC, device type and image, and the platform's API."""

    def __init__(self, platform: Platform, fleet: Fleet):
        self.platform = platform
        self.api = platform.api
        self.fleet = fleet
        self.idc_id = ""
        self.device_type_id = ""
        self.image_id = ""
        self.device_ids: dict[str, str] = {}  # sn -> device id

    def start_workers(self) -> None:
        """The driver and dhcp-agent serve the lab's IDC: it is made first, then they start."""
        api = self.platform.api
        self.platform.env["BMP_IDC_IDS"] = enrol.ensure_idc(api, "lab")[0]
        self.platform.start("bmp-driver")
        self.platform.start("bmp-dhcp-agent")

    def enrol(self, fleet: Fleet, password: str, count: int) -> None:
        """The lab's own enrolment (``bmp_lab.enrol``), waiting for the put-away checks."""
        state = fleet.state()
        state["nodes"] = state["nodes"][:count]
        self.enrolled = fleet.nodes[:count]
        api = self.platform.api
        report = enrol.enrol(api, state, password, wait=True, timeout=120, say=lambda _: None)
        assert not report.get("failed"), report
        self.idc_id = report["idc_id"]
        self.device_type_id = report["device_type_id"]
        self.image_id = report["image_id"]
        devices = self.api.get(f"/devices?idcId={self.idc_id}&isAll=1")["devices"]
        self.device_ids = {device["sn"]: device["deviceId"] for device in devices}

    def device(self, sn: str) -> dict:
        return self.api.get(f"/devices/{self.device_ids[sn]}")["device"]

    def wait_device(self, sn: str, field: str, values: tuple, timeout: float = 60) -> dict:
        return wait_for(
            lambda: (d := self.device(sn))[field] in values and d,
            timeout,
            f"{sn} {field} in {values}",
        )

    def project_id(self) -> str:
        return self.api.get("/user/projects")["projects"][0]["projectId"]

    def create(self, name: str, count: int = 1, **changes) -> list[str]:
        body = {
            "idcId": self.idc_id,
            "projectId": self.project_id(),
            "deviceTypeId": self.device_type_id,
            "imageId": self.image_id,
            "systemVolumeRaidId": NO_RAID_ID,
            "instanceName": name,
            "password": "Root-Pass-2026",
            "count": count,
            **changes,
        }
        return self.api.post("/project/instances", body)["instanceIds"]

    def instance(self, instance_id: str) -> dict:
        return self.api.get(f"/project/instances/{instance_id}")["instance"]

    def wait_status(self, instance_id: str, statuses: tuple, timeout: float = 90) -> dict:
        def reached():
            instance = self.instance(instance_id)
            return instance["status"] in statuses and instance

        try:
            return wait_for(reached, timeout, f"{instance_id} in {statuses}", interval=0.3)
        except TimeoutError:
            print(self.platform.log_tails())
            raise


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    platform = Platform(tmp_path_factory.mktemp("platform"), settings=TEST_SETTINGS)
    password = secrets.token_urlsafe(12)
    try:
        platform.up(*PLATFORM_SERVICES)
        gateway = f"http://127.0.0.1:{platform.gateway_port}"
        with Fleet(
            8,
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
            lab.enrol(fleet, password, count=7)
            lab.password = password
            yield lab
    except BaseException:
        print(platform.log_tails())
        raise
    finally:
        platform.stop()


@pytest.fixture
def slow_agents(lab, request):
    """The lab's agents take a moment per step (the test module's ``AGENT_STEP_DELAY`` seconds,
    else 0.5), so that a person could watch the steps."""
    delay = getattr(request.module, "AGENT_STEP_DELAY", 0.5)
    agents = [node.agent for node in lab.fleet.nodes if node.agent is not None]
    for agent in agents:
        agent.step_delay = delay
    yield
    for agent in agents:
        agent.step_delay = 0

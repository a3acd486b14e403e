"""The flight recorder through the real platform: each failure produced in the lab, and what an
operator reads at ``GET /v1/jobs/{id}/timeline``: the entries and the verdict.

The lab's servers boot at the iPXE script, which the gateway serves. For the DHCP stage a
test puts them on a real segment (``segment``: a network namespace with a bridge, root only):
the IDC's DHCP server (``bmp_dhcp_agent serve``) listens on the bridge and a server's PXE boot
starts with a real DHCP exchange (busybox udhcpc, asking as a PXE ROM, with the server's MAC).
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import signal
import sys
from urllib.parse import urlsplit

import pytest
import redis

from bmp_common.messages import actions
from bmp_common.testing.requirements import require_root, require_tools
from bmp_lab.netns import ProvisioningNetwork
from bmp_lab.platform import wait_for, wait_http

from .browser import OPERATION_CSRF_COOKIE, OPERATOR_ROLE, Browser, new_user

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FAILED = ("Creation failed", "running")


def timeline_of(lab, instance_id: str) -> dict:
    (job,) = lab.api.get(f"/jobs?instanceId={instance_id}")["jobs"]
    return lab.api.get(f"/jobs/{job['jobId']}/timeline")


def kinds(timeline: dict, kind: str) -> list[dict]:
    return [entry for entry in timeline["entries"] if entry["kind"] == kind]


def step_ends(timeline: dict) -> list[tuple]:
    return [
        (e["detail"]["action"], e["detail"]["attempt"], e["detail"]["result"])
        for e in kinds(timeline, "step_end")
    ]


@contextlib.contextmanager
def every_node(lab, fault, undo):
    """A fault on every server (a create takes any free one), undone afterwards."""
    for node in lab.fleet.nodes:
        fault(node)
    try:
        yield
    finally:
        for node in lab.fleet.nodes:
            undo(node)


def create_and_wait(lab, name: str, timeout: float = 120) -> tuple[str, dict]:
    instance_id = lab.create(name)[0]
    return instance_id, lab.wait_status(instance_id, FAILED, timeout=timeout)


def test_a_successful_install_is_recorded_from_the_api_call_to_the_last_step(lab):
    instance_id, instance = create_and_wait(lab, "flight-ok")
    assert instance["status"] == "running"

    timeline = timeline_of(lab, instance_id)

    assert timeline["status"] == "succeeded" and timeline["verdict"] is None
    entries = timeline["entries"]
    assert [e["time"] for e in entries] == sorted(e["time"] for e in entries)
    assert (entries[0]["source"], entries[0]["kind"]) == ("api", "job_created")
    assert entries[-1]["kind"] == "job_ended" and entries[-1]["detail"]["status"] == "succeeded"
    # Every step began and ended once, in the chain's order, each end with its attempt.
    begun = [e["detail"]["action"] for e in kinds(timeline, "step_begin")]
    ended = step_ends(timeline)
    assert [action for action, _, _ in ended] == begun
    assert {(attempt, result) for _, attempt, result in ended} == {(1, "ok")}
    assert actions.SET_PXE_BOOT in begun and actions.WRITE_IMAGE_TAR in begun
    # The BMC calls of the driver steps: what, over which backend, how long, the answer.
    bmc = [(e["detail"]["step"], e["detail"]["call"]) for e in kinds(timeline, "bmc_call")]
    assert (actions.SET_PXE_BOOT, "set boot device") in bmc
    assert all(e["detail"]["backend"] == "native" for e in kinds(timeline, "bmc_call"))
    assert all(e["detail"]["result"] == "ok" for e in kinds(timeline, "bmc_call"))
    # The boot files the gateway served the server, and the agent's heartbeats as counts.
    files = [e["detail"]["file"] for e in kinds(timeline, "file_fetched")]
    assert "ipxe script" in files and "agent.cpio" in files
    beats = kinds(timeline, "heartbeats")
    assert beats and all(e["detail"]["count"] >= 1 for e in beats)
    assert len(beats) < 20  # one entry per phase, not one per heartbeat


@pytest.fixture(scope="module")
def refused(lab) -> str:
    """An instance whose create failed at the BMC's login (the lab has seven servers: the
    tests share this one failure rather than take a server each)."""
    wrong, right = (lambda n: n.set_wrong_password(True)), (lambda n: n.set_wrong_password(False))
    with every_node(lab, wrong, right):
        instance_id, instance = create_and_wait(lab, "flight-badpass")
    assert instance["status"] == "Creation failed"
    return instance_id


def test_a_bmc_that_refuses_the_password(lab, refused):
    timeline = timeline_of(lab, refused)

    assert timeline["verdict"]["code"] == "bmc_auth"
    assert timeline["verdict"]["message"].startswith("BMC refused the password")
    refused_calls = [e for e in kinds(timeline, "bmc_call") if e["detail"]["result"] != "ok"]
    assert [e["detail"]["result"] for e in refused_calls] == ["USERNAME_OR_PASSWORD_ERROR"]
    assert step_ends(timeline)[-1][1:] == (1, "failed")  # not retried


def test_a_server_that_never_pxe_boots(lab):
    # Boot order, VLAN or relay: the BMC powers the server on into PXE, nothing arrives.
    with every_node(lab, lambda n: n.agent.detach(), lambda n: n.agent.attach()):
        instance_id, instance = create_and_wait(lab, "flight-nopxe")
    assert instance["status"] == "Creation failed"

    timeline = timeline_of(lab, instance_id)

    verdict = timeline["verdict"]
    assert verdict["code"] == "no_dhcp"
    assert verdict["message"].startswith("PXE set and power cycled, no DHCP DISCOVER from this MAC")
    assert verdict["message"].endswith(": boot order, VLAN or relay")
    assert kinds(timeline, "file_fetched") == [] and kinds(timeline, "heartbeats") == []
    assert (actions.SET_PXE_BOOT, 1, "ok") in step_ends(timeline)
    assert step_ends(timeline)[-1][0] == actions.PING


def test_a_running_job_stalled_at_a_boot_stage_gets_its_verdict_before_it_fails(lab):
    with every_node(lab, lambda n: n.agent.detach(), lambda n: n.agent.attach()):
        instance_id = lab.create("flight-stall")[0]
        seen = wait_for(
            lambda: (t := timeline_of(lab, instance_id))["verdict"] and t,
            60,
            "a verdict on the stalled job",
            interval=0.5,
        )
        lab.wait_status(instance_id, FAILED, timeout=120)

    assert seen["status"] == "running"  # named while the platform still waits for the agent
    assert seen["verdict"]["code"] == "no_dhcp"


def test_boot_files_fetched_and_the_liveos_never_calls(lab):
    hang = lambda n: n.agent.hang_after_boot_files(True)  # noqa: E731
    with every_node(lab, hang, lambda n: n.agent.hang_after_boot_files(False)):
        instance_id, instance = create_and_wait(lab, "flight-nokernel")
    assert instance["status"] == "Creation failed"

    timeline = timeline_of(lab, instance_id)

    verdict = timeline["verdict"]
    assert verdict["code"] == "no_heartbeat"
    assert verdict["message"].startswith("boot files fetched (ipxe script, agent.cpio)")
    assert "LiveOS kernel or initrd does not boot on this hardware" in verdict["message"]
    assert kinds(timeline, "heartbeats") == []


def test_an_agent_step_that_fails_on_the_server(lab):
    fail = lambda n: n.agent.fail_action(actions.MAKE_PARTITIONS)  # noqa: E731
    with every_node(lab, fail, lambda n: n.agent.failures.clear()):
        instance_id, instance = create_and_wait(lab, "flight-partitions")
    assert instance["status"] == "Creation failed"

    timeline = timeline_of(lab, instance_id)

    assert timeline["verdict"]["code"] == "agent_step_failed"
    assert timeline["verdict"]["message"].startswith("MakePartitions failed on the server")
    attempts = [(a, r) for action, a, r in step_ends(timeline) if action == actions.MAKE_PARTITIONS]
    assert attempts == [(1, "failed"), (2, "failed"), (3, "failed")]  # every retry is there
    assert kinds(timeline, "heartbeats")


def test_an_agent_that_goes_silent(lab):
    die = lambda n: n.agent.die_during(actions.WRITE_IMAGE_TAR)  # noqa: E731
    with every_node(lab, die, lambda n: n.agent.die_during(None)):
        instance_id, instance = create_and_wait(lab, "flight-silent")
    assert instance["status"] == "Creation failed"

    timeline = timeline_of(lab, instance_id)

    assert timeline["verdict"]["code"] == "agent_silent"
    assert "during WriteImageTar" in timeline["verdict"]["message"]
    silent = [e for e in kinds(timeline, "step_end") if e["detail"].get("error") == "AGENT_SILENT"]
    assert silent and all(e["source"] == "scheduler" for e in silent)


def test_the_operator_portal_relays_the_timeline_and_its_verdict(lab, refused):
    lab.platform.start("bmp-operation-api")
    portal = f"http://127.0.0.1:{lab.platform.operation_api_port}"
    wait_http(f"{portal}/health", "operation-api")
    browser = Browser(portal, csrf_cookie=OPERATION_CSRF_COOKIE)
    assert browser.login(*new_user(lab, OPERATOR_ROLE)).status == 200

    (job,) = browser.get(f"/jobs?instanceId={refused}").result["jobs"]
    seen = browser.get(f"/jobs/{job['jobId']}/timeline").result

    assert seen["verdict"]["code"] == "bmc_auth"
    assert seen == timeline_of(lab, refused)  # the BFF relays openapi's answer as it is


# -- the DHCP stage, on a real segment ------------------------------------------------------


@pytest.fixture(scope="module")
def segment(lab, tmp_path_factory):
    """A provisioning segment (namespace ``flpxe``, its bridge holding the boot services'
    address) and the environment a boot service inside it needs to reach the platform's
    Redis, where the flight recorder's entries go."""
    require_root("a network namespace for the DHCP segment")
    require_tools("ip", install="apt-get install iproute2")
    require_tools("busybox", install="apt-get install busybox-static")
    net = ProvisioningNetwork("flpxe").create()
    try:
        with redis_inside(lab, tmp_path_factory.mktemp("flpxe")) as env:
            net.env = env
            yield net
    finally:
        net.destroy()


@contextlib.contextmanager
def redis_inside(lab, work):
    """The namespace has a loopback of its own: a Redis on a TCP address outside it is reached
    through a unix socket (file systems are shared), relayed by socat."""
    url = lab.platform.env.get("BMP_REDIS_URL", "")
    parts = urlsplit(url)
    if not url or parts.scheme == "unix":
        yield {}  # the platform's private redis-server listens on a unix socket already
        return
    require_tools("socat", install="apt-get install socat")
    socket_path = work / "redis.sock"
    target = f"TCP:{parts.hostname}:{parts.port or 6379}"
    lab.platform.spawn(
        "fl-redis-relay", [shutil.which("socat"), f"UNIX-LISTEN:{socket_path},fork", target]
    )
    try:
        auth = parts.netloc.rpartition("@")[0]  # the services pick their databases themselves
        relayed = f"unix://{auth + '@' if auth else ''}{socket_path}?db=0"
        # Redis answering through the relay, not only its socket made (at bind, before listen).
        wait_for(lambda: answers(relayed), 10, "Redis through the relay")
        yield {"BMP_REDIS_URL": relayed}
    finally:
        lab.platform.kill("fl-redis-relay", signal.SIGTERM)


def answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_timeout=2).ping()
    except (redis.ConnectionError, redis.TimeoutError):
        return False


@contextlib.contextmanager
def dhcp_server(lab, net, idc_id: str):
    """The DHCP server on the segment's bridge, answering from IDC ``idc_id``'s host table."""
    name = "fl-dhcp-server"
    command = [
        sys.executable, "-m", "bmp_dhcp_agent", "serve", "--idc", idc_id,
        "--interface", net.bridge, "--server-ip", net.address,
    ]  # fmt: skip
    lab.platform.spawn(name, command, netns=net.name, env=net.env)
    log = lab.platform.logs / f"{name}.log"
    try:
        wait_for(lambda: "dhcp-server:" in log.read_text(), 20, "the DHCP server's banner")
        yield
    finally:
        lab.platform.kill(name, signal.SIGTERM)


@pytest.fixture
def a_free_server(lab) -> None:
    """The lab has seven servers and a failed create keeps its server until its instance is
    deleted: with none free, the failed instance of a test that is over (not the shared
    ``refused`` one) is deleted, so that the next create finds a server."""
    devices = lab.api.get(f"/devices?idcId={lab.idc_id}&isAll=1")["devices"]
    if any(device["manageStatus"] == "putaway" for device in devices):
        return
    instances = lab.api.get("/project/instances", isAll=1)["instances"]
    done = next(
        i["instanceId"]
        for i in instances
        if i["status"] == "Creation failed" and i["instanceName"] != "flight-badpass"
    )
    lab.api.delete(f"/project/instances/{done}")
    wait_for(
        lambda: any(
            device["manageStatus"] == "putaway"
            for device in lab.api.get(f"/devices?idcId={lab.idc_id}&isAll=1")["devices"]
        ),
        60,
        "a server given back by a deleted instance",
        interval=0.3,
    )


def pxe_boot(net, node) -> None:
    node.agent.pxe_through(functools.partial(net.dhcp_probe, pxe=True))


def no_pxe_boot(node) -> None:
    node.agent.pxe_through(None)
    node.agent.lose_next_server(False)


def dhcp_packets(timeline: dict) -> list[tuple[str, str]]:
    return [
        (e["detail"]["type"], e["detail"].get("detail", "")) for e in kinds(timeline, "dhcp_packet")
    ]


@pytest.mark.usefixtures("a_free_server")
def test_a_dhcp_discover_that_no_server_answers(lab, segment):
    # The segment's DHCP server answers from another IDC's host table: the reservation the
    # platform made for this server is not there.
    with (
        dhcp_server(lab, segment, "idc-fl-other"),
        every_node(lab, functools.partial(pxe_boot, segment), no_pxe_boot),
    ):
        instance_id, instance = create_and_wait(lab, "flight-nooffer")
    assert instance["status"] == "Creation failed"

    timeline = timeline_of(lab, instance_id)

    verdict = timeline["verdict"]
    assert verdict["code"] == "dhcp_unanswered"
    assert verdict["message"].startswith("DHCP DISCOVER from this MAC got no answer")
    assert "no reservation for it (DHCP host missing)" in verdict["message"]
    packets = dhcp_packets(timeline)
    assert packets and set(packets) == {("DISCOVER", "unknown_mac")}  # every try, none answered
    assert all(e["source"] == "dhcp" for e in kinds(timeline, "dhcp_packet"))
    assert kinds(timeline, "file_fetched") == [] and kinds(timeline, "heartbeats") == []


@pytest.mark.usefixtures("a_free_server")
def test_a_dhcp_answer_after_which_the_server_asks_no_boot_file(lab, segment):
    def lease_then_nothing(node):
        pxe_boot(segment, node)
        node.agent.lose_next_server(True)

    with dhcp_server(lab, segment, lab.idc_id), every_node(lab, lease_then_nothing, no_pxe_boot):
        instance_id, instance = create_and_wait(lab, "flight-notftp")
    assert instance["status"] == "Creation failed"

    timeline = timeline_of(lab, instance_id)

    verdict = timeline["verdict"]
    assert verdict["code"] == "no_tftp"
    assert verdict["message"].startswith("DHCP answered, no TFTP request in")
    assert verdict["message"].endswith(": next-server unreachable or firewall")
    types = [kind for kind, _ in dhcp_packets(timeline)]
    assert types[:4] == ["DISCOVER", "OFFER", "REQUEST", "ACK"]  # the PXE ROM got its lease
    assert kinds(timeline, "file_fetched") == [] and kinds(timeline, "heartbeats") == []
    assert step_ends(timeline)[-1][0] == actions.PING

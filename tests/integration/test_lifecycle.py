"""Every lifecycle action through the real services: openapi → scheduler → driver (IPMI over
UDP to a lab BMC) and dhcp-agent, the simulated LiveOS agent on the real gateway, and back.

Each test asserts what a user sees (the instance's status and reason, the device's state) and
what the server went through (its power and the device it last booted from).
"""

from __future__ import annotations

import json
import socket
import ssl
import urllib.error
import urllib.request

import pytest

from bmp_common.messages import actions
from bmp_common.messages.jobs import CREATE_INSTANCES
from bmp_lab.enrol import EnrolError
from bmp_lab.platform import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def node_of(lab, instance: dict):
    return lab.fleet.by_sn(instance["sn"])


def running_instance(lab, name: str) -> str:
    instance_id = lab.create(name)[0]
    lab.wait_status(instance_id, ("running", "Creation failed"))
    assert lab.instance(instance_id)["status"] == "running", lab.instance(instance_id)
    return instance_id


def act(lab, instance_id: str, action: str, body: dict | None = None) -> None:
    lab.api.put(f"/project/instances/{instance_id}/{action}", body)


def test_create_installs_through_the_liveos_and_boots_from_disk(lab):
    instance_id = lab.create("create")[0]

    instance = lab.wait_status(instance_id, ("running", "Creation failed"))

    assert (instance["status"], instance["power"], instance["reason"]) == ("running", "on", "")
    node = node_of(lab, instance)
    assert node.power == "on"
    assert node.node.booted_from == "disk"  # after the install, the platform booted the disk
    jobs = lab.api.get(f"/jobs?instanceId={instance_id}")["jobs"]
    assert [(job["task"], job["status"]) for job in jobs] == [(CREATE_INSTANCES, "succeeded")]
    device = lab.device(instance["sn"])
    assert (device["manageStatus"], device["instanceId"]) == ("created", instance_id)


def test_stop_start_restart_follow_the_servers_power(lab):
    instance_id = running_instance(lab, "power")
    node = node_of(lab, lab.instance(instance_id))

    act(lab, instance_id, "stop")
    assert lab.wait_status(instance_id, ("stopped", "Shutdown failed"))["status"] == "stopped"
    assert node.power == "off"

    act(lab, instance_id, "start")
    assert lab.wait_status(instance_id, ("running", "Startup failed"))["status"] == "running"
    assert node.power == "on"

    act(lab, instance_id, "restart")
    assert lab.wait_status(instance_id, ("running", "Reboot failed"))["status"] == "running"


def test_reset_password_and_reinstall_go_through_the_liveos(lab):
    instance_id = running_instance(lab, "reinstall")
    act(lab, instance_id, "stop")
    lab.wait_status(instance_id, ("stopped",))

    act(lab, instance_id, "resetpasswd", {"password": "New-Root-Pass-1"})
    instance = lab.wait_status(instance_id, ("stopped", "Resetpasswd failed"))
    assert instance["status"] == "stopped"

    act(
        lab,
        instance_id,
        "reinstallInstance",
        {
            "imageId": lab.image_id,
            "systemVolumeRaidId": instance["systemVolumeRaidId"],
            "instanceName": "reinstalled",
            "password": "Other-Pass-22",
        },
    )
    instance = lab.wait_status(instance_id, ("running", "Reinstall failed"))
    assert (instance["status"], instance["instanceName"]) == ("running", "reinstalled")


def test_delete_wipes_and_gives_the_device_back(lab):
    instance_id = running_instance(lab, "delete")
    sn = lab.instance(instance_id)["sn"]
    act(lab, instance_id, "stop")
    lab.wait_status(instance_id, ("stopped",))

    lab.api.delete(f"/project/instances/{instance_id}")

    def gone():
        try:
            lab.instance(instance_id)
        except EnrolError as error:
            return error.status == 404
        return False

    wait_for(gone, 60, "the instance to be destroyed", interval=0.3)
    device = lab.device(sn)
    assert (device["manageStatus"], device["instanceId"]) == ("putaway", "")
    assert lab.fleet.by_sn(sn).power == "off"


def test_a_bmc_that_rejects_the_password_fails_after_one_login_and_the_device_shows_it(lab):
    instance_id = running_instance(lab, "badpass")
    act(lab, instance_id, "stop")
    instance = lab.wait_status(instance_id, ("stopped",))
    node = node_of(lab, instance)
    assert lab.device(instance["sn"])["bmcCredentialState"] == "ok"
    node.set_wrong_password(True)  # someone changed the password on the BMC
    logins = node.bmc.stats["logins"]
    try:
        act(lab, instance_id, "start")
        instance = lab.wait_status(instance_id, ("Startup failed", "running"))
        refused_logins = node.bmc.stats["logins"] - logins
    finally:
        node.set_wrong_password(False)

    assert (instance["status"], instance["reason"]) == (
        "Startup failed",
        "USERNAME_OR_PASSWORD_ERROR",
    )
    assert refused_logins == 1  # no retry: real BMCs lock the account after a few
    device = lab.device(instance["sn"])
    assert (device["bmcCredentialState"], device["bmcCredentialReason"]) == (
        "refused",
        "USERNAME_OR_PASSWORD_ERROR",
    )
    messages = lab.api.get("/messages?isAll=1")["messages"]
    # upstream spells the message fields in snake case
    assert any(m["instance_id"] == instance_id and m["result"] == "fail" for m in messages)

    # The BMC takes the password again; the operator retries the job.
    failed_job = lab.api.get(f"/jobs?instanceId={instance_id}")["jobs"][0]
    lab.api.put(f"/jobs/{failed_job['jobId']}/retry", {})
    assert lab.wait_status(instance_id, ("running", "Startup failed"))["status"] == "running"
    assert lab.device(instance["sn"])["bmcCredentialState"] == "ok"


def test_collect_reads_the_hardware_of_a_stocked_device(lab):
    free = [node for node in lab.enrolled if lab.device(node.sn)["manageStatus"] == "putaway"]
    device_id = lab.device_ids[free[0].sn]
    lab.api.put("/devices/unmount", {"deviceId": device_id})

    lab.api.post("/collect/collectDeviceInfo", {"collects": [{"sn": free[0].sn}]})

    device = lab.wait_device(free[0].sn, "collectStatus", ("1", "4"))
    assert device["collectStatus"] == "1", device
    assert device["brand"] != "" and free[0].power == "off"  # collected, then powered off
    lab.api.put("/devices/mount", {"deviceId": device_id})  # back on sale
    lab.wait_device(free[0].sn, "manageStatus", ("putaway",))


def test_a_lost_agent_times_out_and_the_instance_fails(lab):
    for node in lab.fleet.nodes:
        node.agent.die_during(actions.WRITE_IMAGE_TAR)
    try:
        instance_id = lab.create("lost")[0]
        instance = lab.wait_status(instance_id, ("Creation failed", "running"), timeout=120)
    finally:
        for node in lab.fleet.nodes:
            node.agent.die_during(None)

    assert instance["status"] == "Creation failed"
    assert instance["reason"] == "WriteImageTarError"


def test_the_agent_gateway_speaks_https_with_a_certificate_of_the_platform_ca(lab):
    platform = lab.platform
    tls_url = f"https://127.0.0.1:{platform.gateway_tls_port}"
    heartbeat = json.dumps({"sn": "LAB-0001", "token": "not-a-token"}).encode()

    def post(url: str, context: ssl.SSLContext | None = None) -> int:
        request = urllib.request.Request(
            url, data=heartbeat, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    ours = ssl.create_default_context(cafile=platform.gateway_ca)
    # Over HTTPS, verified against the CA the platform made: the token is checked (401).
    assert post(f"{tls_url}/v1/agent/heartbeat", ours) == 401
    # The same call over the plain-HTTP gateway is refused before the token is looked at.
    assert post(f"http://127.0.0.1:{platform.gateway_port}/v1/agent/heartbeat") == 403
    # A client that trusts only the system's CAs does not accept the gateway's certificate.
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        post(f"{tls_url}/health", ssl.create_default_context())
    with socket.create_connection(("127.0.0.1", platform.gateway_tls_port), timeout=10) as raw:
        with ours.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            issuer = dict(item[0] for item in tls.getpeercert()["issuer"])
    assert issuer["commonName"] == "BMP agent gateway CA"

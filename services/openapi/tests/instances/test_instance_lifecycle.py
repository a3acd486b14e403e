"""The instance lifecycle through the API, with the scheduler's job ends played by real events:
create takes devices and hands jobs over, each action moves the status, and the end of a job
sets the status from the observed power state."""

from __future__ import annotations

import pytest
from kombu import Connection

from bmp_common import env, progress
from bmp_common.messages.jobs import JobSubmit
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.devices.models import Device
from bmp_openapi.inbox.models import Message
from bmp_openapi.instances.models import Instance
from bmp_openapi.jobs.models import Job

from ..catalog.data import ok
from .conftest import finish_job, last_job


def create(api, stock, project_id, **changes):
    return api.post(
        "/v1/project/instances", stock.create_body(project_id, **changes), format="json"
    )


def describe(api, instance_id):
    return ok(api.get(f"/v1/project/instances/{instance_id}"))["instance"]


def put(api, instance_id, action, body=None):
    return api.put(f"/v1/project/instances/{instance_id}/{action}", body or {}, format="json")


def finish_instance_job(instance_id, kind="succeeded", **kwargs):
    job_id = Instance.objects.get(instance_id=instance_id).job_id
    assert finish_job(job_id, kind, **kwargs)


def reinstall_body(api, instance_id):
    """The same image and RAID again, a new name and password."""
    instance = describe(api, instance_id)
    return {
        "imageId": instance["imageId"],
        "systemVolumeRaidId": instance["systemVolumeRaidId"],
        "instanceName": "web-again",
        "password": "Other-Pass-22",
    }


@pytest.fixture
def running(admin_api, stock, project_id):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    finish_instance_job(instance_id, power="on")
    return instance_id


def test_create_takes_a_device_and_hands_a_job_with_everything_to_the_scheduler(
    admin_api, stock, project_id, django_capture_on_commit_callbacks
):
    with Connection(env.broker_url()) as conn:
        queue = conn.SimpleQueue("scheduler")
        try:
            while True:  # what earlier tests left on the queue
                queue.get(block=False).ack()
        except queue.Empty:
            pass
        with django_capture_on_commit_callbacks(execute=True):
            answer = create(admin_api, stock, project_id, hostname="web-1")
        received = queue.get(timeout=10)
        received.ack()
        queue.close()

    instance_id = ok(answer)["instanceIds"][0]
    instance = describe(admin_api, instance_id)
    device = Device.objects.get(device_id=instance["deviceId"])
    message = JobSubmit.from_wire(received.payload[1]["message"])
    assert (instance["status"], instance["statusName"], instance["hostname"]) == (
        "creating",
        "Creating",
        "web-1",
    )
    assert instance["jobId"] == message.job_id
    # Upstream's flat copy of the device type's volumes, and the system volume's RAID.
    assert (
        instance["systemVolumeType"],
        instance["systemVolumeInterfaceType"],
        instance["systemVolumeSize"],
        instance["systemVolumeUnit"],
        instance["systemVolumeAmount"],
        instance["raidCan"],
    ) == ("SSD", "SATA", 480, "GB", 2, "RAID")
    assert (instance["dataVolumeType"], instance["dataVolumeAmount"]) == ("", 0)
    [volume_raid] = instance["volumeRaid"]
    assert volume_raid["volume"]["volumeType"] == "system"
    assert volume_raid["raid"]["raidId"] == instance["systemVolumeRaidId"]
    assert (device.manage_status, device.instance_id) == ("created", instance_id)
    # The device answer summarises the instance on it, as upstream's does.
    on_device = ok(admin_api.get(f"/v1/devices/{device.device_id}"))["device"]
    assert (on_device["instanceName"], on_device["instanceStatus"], on_device["locked"]) == (
        instance["instanceName"],
        "creating",
        "unlocked",
    )
    assert on_device["imageName"] == instance["imageName"]
    assert message.task == "CreateInstances"
    assert message.node["sn"] == device.sn and message.node["mac1"] == device.mac1
    assert message.node["bmc"]["address"] == device.ilo_ip
    assert "Bmc-Pass" not in str(message.to_wire())  # secrets travel encrypted
    assert "Root-Pass-2026" not in str(message.to_wire())
    assert message.spec["image"]["image_id"] == stock.image_id
    assert message.spec["partitions"] == [
        {"point": "/", "fs_type": "xfs", "size_mb": 51200},
        {"point": "swap", "fs_type": "swap", "size_mb": 10240},
    ]


def test_creation_ends_running_only_when_the_bmc_says_on(admin_api, stock, project_id):
    on, off = ok(create(admin_api, stock, project_id, count=2))["instanceIds"]

    finish_instance_job(on, power="on")
    finish_instance_job(off, power="off")

    assert (describe(admin_api, on)["status"], describe(admin_api, on)["power"]) == (
        "running",
        "on",
    )
    failed = describe(admin_api, off)
    assert (failed["status"], failed["reason"]) == ("Creation failed", "PowerStatusError")
    assert failed["reasonMessage"] == "the BMC reports power off, on was expected"
    subjects = Message.objects.order_by("id").values_list("instance_id", "result")
    assert list(subjects) == [(on, "succ"), (off, "fail")]


def test_a_running_job_shows_the_step_the_scheduler_published(admin_api, stock, project_id):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    job_id = Instance.objects.get(instance_id=instance_id).job_id
    step = {"action": "WriteImageTar", "step": 8, "steps": 17, "bytes": 512, "total": 2048}
    progress.publish(job_id, step)  # what the scheduler does as the agent reports
    try:
        assert describe(admin_api, instance_id)["progress"] == step
        listed = ok(admin_api.get("/v1/project/instances", {"isAll": 1}))["instances"]
        assert [i["progress"] for i in listed if i["instanceId"] == instance_id] == [step]

        finish_instance_job(instance_id, power="on")
        assert describe(admin_api, instance_id)["progress"] == {}  # over: nothing running
    finally:
        progress.forget(job_id)


def test_a_failed_job_sets_the_failure_state_with_the_drivers_reason(admin_api, running):
    ok(put(admin_api, running, "stop"))
    finish_instance_job(
        running,
        "failed",
        action="PowerOff",
        reason="USERNAME_OR_PASSWORD_ERROR",
        message="the BMC refused the user or password",
    )

    instance = describe(admin_api, running)
    chinese = ok(admin_api.get(f"/v1/project/instances/{running}", HTTP_BMPLANGUAGE="zh_CN"))[
        "instance"
    ]
    assert (instance["status"], instance["reason"]) == (
        "Shutdown failed",
        "USERNAME_OR_PASSWORD_ERROR",
    )
    assert chinese["reasonName"] == "带外用户名或密码错误"
    ended = AuditLog.objects.filter(operation="StopInstances").order_by("id").last()
    assert (ended.result, ended.instance_id, ended.fail_reason) == (
        "fail",
        running,
        "USERNAME_OR_PASSWORD_ERROR: the BMC refused the user or password",
    )
    # resetStatus puts it back where it was, as upstream
    ok(put(admin_api, running, "resetStatus"))
    assert describe(admin_api, running)["status"] == "running"


def test_stop_start_restart_follow_the_table(admin_api, running):
    ok(put(admin_api, running, "stop"))
    assert describe(admin_api, running)["status"] == "stopping"
    finish_instance_job(running, power="off")
    assert describe(admin_api, running)["status"] == "stopped"

    ok(put(admin_api, running, "start"))
    finish_instance_job(running, power="on")
    ok(put(admin_api, running, "restart"))
    assert describe(admin_api, running)["status"] == "restarting"
    finish_instance_job(running, power="on")

    assert describe(admin_api, running)["status"] == "running"
    tasks = list(
        Job.objects.filter(instance_id=running).order_by("id").values_list("task", "status")
    )
    assert tasks == [
        ("CreateInstances", "succeeded"),
        ("StopInstances", "succeeded"),
        ("StartInstances", "succeeded"),
        ("RestartInstances", "succeeded"),
    ]


def test_an_action_the_table_refuses_is_409_naming_what_is_allowed(admin_api, running):
    answer = put(admin_api, running, "start")
    chinese = admin_api.put(
        f"/v1/project/instances/{running}/start", {}, format="json", HTTP_BMPLANGUAGE="zh_CN"
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == (
        f"Cannot start instance {running}: its status is running; "
        "allowed now: stop, restart, lock, unlock, modify"
    )
    assert chinese.json()["error"]["message"].startswith(
        f"实例 {running} 当前状态为运行（running）"
    )
    assert describe(admin_api, running)["allowedActions"] == [
        "stop",
        "restart",
        "lock",
        "unlock",
        "modify",
    ]


def test_a_locked_instance_refuses_destructive_actions(admin_api, running):
    ok(put(admin_api, running, "lock"))

    refused = put(admin_api, running, "stop")

    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == (
        f"Instance {running} is locked: unlock it before you stop it"
    )
    assert describe(admin_api, running)["allowedActions"] == ["lock", "unlock", "modify"]
    ok(put(admin_api, running, "unlock"))
    ok(put(admin_api, running, "stop"))


def test_delete_wipes_through_a_job_and_gives_the_device_back(admin_api, running):
    device_id = describe(admin_api, running)["deviceId"]
    assert admin_api.delete(f"/v1/project/instances/{running}").status_code == 409  # running
    ok(put(admin_api, running, "stop"))
    finish_instance_job(running, power="off")

    ok(admin_api.delete(f"/v1/project/instances/{running}"))
    assert describe(admin_api, running)["status"] == "destroying"
    finish_instance_job(running, power="off")

    assert admin_api.get(f"/v1/project/instances/{running}").status_code == 404
    device = Device.objects.get(device_id=device_id)
    assert (device.manage_status, device.instance_id, device.user_id) == ("putaway", "", "")


def test_a_creation_that_failed_is_released_at_once(admin_api, stock, project_id):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    finish_instance_job(instance_id, "failed", action="Ping", reason="PingError")

    ok(admin_api.delete(f"/v1/project/instances/{instance_id}"))

    assert Job.objects.filter(instance_id=instance_id).count() == 1  # no delete job
    assert Device.objects.filter(manage_status="putaway", instance_id="").count() == 3


def test_reinstall_and_reset_password_hand_the_new_secrets_encrypted(admin_api, running):
    ok(put(admin_api, running, "stop"))
    finish_instance_job(running, power="off")

    ok(put(admin_api, running, "resetpasswd", {"password": "New-Root-Pass-1"}))
    job = last_job(instance_id=running)
    assert job.task == "InstanceResetPassword"
    assert "New-Root-Pass-1" not in str(job.submission)
    finish_instance_job(running, power="off")
    assert describe(admin_api, running)["status"] == "stopped"

    ok(put(admin_api, running, "reinstallInstance", reinstall_body(admin_api, running)))
    assert describe(admin_api, running)["status"] == "reinstalling"
    assert last_job(instance_id=running).submission["body"]["spec"]["instance_name"] == "web-again"
    finish_instance_job(running, power="on")
    assert describe(admin_api, running)["status"] == "running"


def test_reinstall_without_a_boot_mode_keeps_the_servers(admin_api, running, stock):
    from bmp_openapi.catalog.models import DeviceType

    assert describe(admin_api, running)["bootMode"] == "Legacy/BIOS"
    # The device type learns UEFI: a reinstall that names no mode must not switch firmware.
    DeviceType.objects.filter(device_type_id=stock.device_type_id).update(
        boot_mode="UEFI,Legacy/BIOS"
    )
    ok(put(admin_api, running, "stop"))
    finish_instance_job(running, power="off")
    ok(put(admin_api, running, "reinstallInstance", reinstall_body(admin_api, running)))
    assert describe(admin_api, running)["bootMode"] == "Legacy/BIOS"
    assert last_job(instance_id=running).submission["body"]["spec"]["boot_mode"] == "bios"


def test_duplicate_and_stale_job_events_are_ignored(admin_api, running):
    ok(put(admin_api, running, "stop"))
    job = last_job(instance_id=running)
    finish_instance_job(running, power="off")

    again = finish_job(job.job_id, power="on")  # a redelivered end, saying otherwise

    assert again is False
    assert describe(admin_api, running)["status"] == "stopped"

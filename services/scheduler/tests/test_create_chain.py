"""A whole create chain, driven through the real paths: results of driver and DHCP steps as
``bmp.scheduler.step_result`` tasks, agent steps through the gateway with the iPXE script's token.
"""

import json
import time
import warnings

from bmp_common import progress
from bmp_common.crypto import encrypt_secret
from bmp_common.messages import jobs
from bmp_scheduler.workflow import engine
from bmp_scheduler.workflow.models import Job

CREATE_SPEC = {
    "hostname": "web-1",
    "instance_name": "web-1",
    "ssh_keys": [],
    "image": {"url": "http://img/c.tar", "format": "tar", "hash": "abc", "os_type": "CentOS"},
    "boot_mode": "uefi",
    "raid": {"raid_id": "r-1", "name": "NO RAID"},
    "partitions": [{"point": "/", "fs_type": "xfs", "size_mb": 10240}],
    "user_data": "",
    "keep_data": False,
}
CREATE_ACTIONS = [
    "DHCPConfigAddHost",
    "SetPXEBoot",
    "Ping",
    "InitNode",
    "MakePartitions",
    "FormatPartitions",
    "MountPartitions",
    "WriteImageTar",
    "SetPassword",
    "SetCloudinitConf",
    "SetMetaData",
    "SetNetwork",
    "SetUserData",
    "DHCPConfigDelHost",
    "SetDISKBoot",
    "PowerCycle",
    "PowerStatus",
]


def test_create_chain_runs_to_success_and_reports_each_step(lab):
    spec = {**CREATE_SPEC, "password_encrypted": encrypt_secret("Root-Pass-1")}
    job_id = lab.submit(jobs.CREATE_INSTANCES, sn="SN-C1", mac="52:54:00:aa:00:01", spec=spec)

    # The first step goes to the IDC's dhcp queue, with the node's reservation.
    first = lab.take("dhcp")
    assert (first.action, first.attempt, first.params) == (
        "DHCPConfigAddHost",
        1,
        {"ip": "10.0.0.5", "mac": "52:54:00:aa:00:01"},
    )
    lab.answer(first)
    # The machine PXE-boots: its iPXE script loads the LiveOS with the gateway and a token.
    script = lab.boot("52:54:00:AA:00:01")
    assert "liveos/vmlinuz" in script and "bmp.gateway=https://127.0.0.1:8813" in script
    assert "bmp.sn=SN-C1" in script

    ran = ["DHCPConfigAddHost", *lab.run(job_id, results={"PowerStatus": {"power": "on"}})]

    assert ran == CREATE_ACTIONS
    job = Job.objects.get(job_id=job_id)
    assert (job.status, job.reason, job.token_digest) == ("succeeded", "", "")
    events = lab.events()
    # openapi hears of the job's first step (it runs) and of its outcome; what happens in
    # between is shown live from the cache.
    assert [(e.sequence, e.kind, e.action) for e in events] == [
        (1, "step", "DHCPConfigAddHost"),
        (2, "succeeded", ""),
    ]
    assert events[0].progress == {"step": 1, "steps": 17, "attempt": 1}
    assert progress.read([job_id]) == {}  # forgotten when the job ended
    end = events[-1]
    assert (end.job_id, end.task, end.sn, end.device_id) == (
        job_id,
        jobs.CREATE_INSTANCES,
        "SN-C1",
        "d-SN-C1",
    )
    assert end.observed == {"power": "on"}
    # After the job, the machine boots from its disk and the token is dead.
    assert "sanboot" in lab.boot("52:54:00:aa:00:01")


def test_each_step_shows_its_place_in_the_chain_live(lab):
    job_id = lab.submit(
        jobs.CREATE_INSTANCES, sn="SN-C2", mac="52:54:00:aa:00:02", spec=CREATE_SPEC
    )
    assert progress.read([job_id]) == {
        job_id: {"action": "DHCPConfigAddHost", "step": 1, "steps": 17, "attempt": 1}
    }
    lab.answer(lab.take("dhcp"))
    assert progress.read([job_id])[job_id]["action"] == "SetPXEBoot"
    lab.answer(lab.take("driver"), error="ERROR")  # the next attempt shows as such
    time.sleep(0.15)
    engine.sweep()
    assert progress.read([job_id])[job_id] == {
        "action": "SetPXEBoot",
        "step": 2,
        "steps": 17,
        "attempt": 2,
    }
    assert [e.kind for e in lab.events()] == ["step"]  # one event: the job runs


def _crypt(password: str, salt: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # crypt leaves the stdlib in 3.13
        import crypt
    return crypt.crypt(password, salt)


def test_the_agent_gets_a_crypt_hash_of_the_password_never_the_password(lab):
    spec = {**CREATE_SPEC, "password_encrypted": encrypt_secret("Root-Pass-1")}
    job_id = lab.submit(jobs.RESET_PASSWORD, sn="SN-P1", mac="52:54:00:aa:00:02", spec=spec)
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    token = lab.token_for("52:54:00:aa:00:02")
    ping, *_ = lab.heartbeat("SN-P1", token).json()["result"]["steps"]
    assert (ping["action"], ping["params"]) == ("Ping", {})
    init, *_ = lab.report("SN-P1", token, ping).json()["result"]["steps"]
    password, *_ = lab.report("SN-P1", token, init).json()["result"]["steps"]
    assert password["action"] == "SetPassword"
    hashed = password["params"].pop("password_hash")
    assert password["params"] == {"username": "root", "release_target": True}
    assert hashed.startswith("$6$") and _crypt("Root-Pass-1", hashed) == hashed
    assert _crypt("Root-Pass-2", hashed) != hashed
    stored = Job.objects.get(job_id=job_id).steps.get(action="SetPassword").params
    assert "Root-Pass-1" not in str(stored)
    # Kept only while the job runs.
    lab.report("SN-P1", token, {**password, "params": {}})
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    lab.answer(lab.take("driver"), data={"power": "off"})
    job = Job.objects.get(job_id=job_id)
    assert (job.status, job.password_hash) == ("succeeded", "")


def test_no_plan_of_a_whole_install_holds_a_secret(lab):
    spec = {**CREATE_SPEC, "password_encrypted": encrypt_secret("Root-Pass-1")}
    job_id = lab.submit(jobs.CREATE_INSTANCES, sn="SN-P2", mac="52:54:00:aa:00:04", spec=spec)
    # The agent restarts once mid-chain: the plans of its second boot are walked too.
    lab.restart_agent_before("WriteImageTar")
    ran = lab.run(job_id, results={"PowerStatus": {"power": "on"}})
    assert Job.objects.get(job_id=job_id).status == "succeeded"
    assert ran.count("InitNode") == 2
    steps = [step for plan in lab.plans for step in plan]
    assert {step["action"] for step in steps} >= set(CREATE_ACTIONS[2:13])

    def keys(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield key
                yield from keys(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from keys(inner)

    for step in steps:
        assert not {"password", "password_encrypted"} & set(keys(step)), step
        assert "gAAAA" not in json.dumps(step)  # no Fernet token of any secret
        assert "Root-Pass-1" not in json.dumps(step)
    hashes = {s["params"]["password_hash"] for s in steps if s["action"] == "SetPassword"}
    assert len(hashes) == 1  # made once per boot into the LiveOS, not once per plan
    (hashed,) = hashes
    assert hashed.startswith("$6$") and _crypt("Root-Pass-1", hashed) == hashed


def test_collect_reports_the_inventory(lab):
    job_id = lab.submit(jobs.COLLECT_HARDWARE_INFO, sn="SN-H1", mac="52:54:00:aa:00:03")
    inventory = {"cpu": {"count": 2}, "memory": {"physical_mb": 4096}}
    disks = {"devices": [{"name": "sda", "size": 100}]}
    ran = lab.run(
        job_id,
        results={
            "CollectHardwareInfo": inventory,
            "CollectDiskLocations": disks,
            "PowerStatus": {"power": "off"},
        },
    )
    assert ran[-5:] == [
        "CollectDiskLocations",
        "CollectHardwareInfo",
        "DHCPConfigDelHost",
        "PowerOff",
        "PowerStatus",
    ]
    end = lab.events()[-1]
    assert end.kind == "succeeded"
    assert end.observed == {"power": "off"}
    assert end.data == {"hardware_info": inventory, "disk_locations": disks}

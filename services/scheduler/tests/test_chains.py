"""Each task's chain: the steps, in order, with their targets, timeouts and policies."""

import pytest

from bmp_common.messages import jobs
from bmp_common.messages.jobs import JobSubmit
from bmp_scheduler.workflow.chains import build_chain

NODE = {
    "sn": "SN1",
    "mac1": "52:54:00:00:00:01",
    "private_ipv4": "10.0.3.7",
    "mask": "255.255.255.0",
    "gateway": "10.0.3.1",
    "bmc": {"address": "127.0.0.1", "port": 623, "username": "admin", "password_encrypted": "x"},
}
INSTALL = {
    "hostname": "web-1",
    "password_encrypted": "gAAAA-secret",
    "ssh_keys": ["ssh-ed25519 AAAA test"],
    "image": {"url": "http://img/centos.tar", "format": "tar", "os_type": "CentOS"},
    "boot_mode": "uefi",
    "raid": {"raid_id": "r-1", "name": "NO RAID"},
    "partitions": [
        {"point": "/", "fs_type": "xfs", "size_mb": 10240},
        {"point": "swap", "fs_type": "swap", "size_mb": 1024},
    ],
    "user_data": "",
    "keep_data": False,
}
AFTER_INSTALL = [
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
INTO_LIVEOS = ["DHCPConfigAddHost", "SetPXEBoot", "Ping"]
TAR_STEPS = ["MakePartitions", "FormatPartitions", "MountPartitions", "WriteImageTar"]


def chain(task, spec=None):
    submit = JobSubmit(job_id="j", task=task, idc_id="idc-1", node=NODE, spec=spec or {})
    return build_chain(submit)


def actions(task, spec=None):
    return [step.action for step in chain(task, spec)]


def test_create_with_a_tar_image():
    assert actions(jobs.CREATE_INSTANCES, INSTALL) == [
        *INTO_LIVEOS,
        "InitNode",
        *TAR_STEPS,
        *AFTER_INSTALL,
    ]


def test_create_with_raid_and_qcow2_image():
    spec = {
        **INSTALL,
        "raid": {"raid_id": "r-2", "name": "RAID1"},
        "image": {"format": "qcow2"},
    }
    assert actions(jobs.CREATE_INSTANCES, spec) == [
        *INTO_LIVEOS,
        "MakeRaid",
        "InitNode",
        "WriteImage",
        *AFTER_INSTALL,
    ]


DATA_RAID5 = {
    "volume_id": "v-data",
    "volume_name": "data",
    "volume_type": "data",
    "volume_amount": 3,
    "raid_id": "r-5",
    "raid_name": "RAID5",
    # the device's disks chosen for the volume (openapi's associateDisks)
    "disks": [
        {"disk_id": "disk-1", "serial": "S1", "name": "/dev/sdb"},
        {"disk_id": "disk-2", "serial": "S2", "name": "/dev/sdc"},
        {"disk_id": "disk-3", "serial": "", "name": "/dev/sdd"},
    ],
}
DATA_PARTITIONS = [
    {"point": "/data", "fs_type": "xfs", "size_mb": 100000},
    {"point": "/backup", "fs_type": "ext4", "size_mb": 50000},
]


def test_a_data_volumes_raid_choice_reaches_make_raid():
    """The console's VolumeRaids: MakeRaid runs for a data volume's level even when the system
    volume has none, with the disks the device's volume was given."""
    spec = {**INSTALL, "volume_raids": [DATA_RAID5]}

    steps = chain(jobs.CREATE_INSTANCES, spec)

    (make_raid,) = [step for step in steps if step.action == "MakeRaid"]
    assert make_raid.params["raid_name"] == "NO RAID"
    assert make_raid.params["data_volumes"] == [
        {
            "volume_id": "v-data",
            "volume_name": "data",
            "raid_level": "RAID5",
            "volume_amount": 3,
            "keep_data": False,
            "disk_hints": [{"serial": "S1"}, {"serial": "S2"}, {"name": "/dev/sdd"}],
            "partitions": [],  # a create makes no data partitions: the volume is left raw
        }
    ]
    (make_partitions,) = [step for step in steps if step.action == "MakePartitions"]
    assert [v["is_root_device"] for v in make_partitions.params["volumes"]] == [True]


def test_a_no_raid_data_volume_still_gets_make_raid_to_keep_its_disks_from_the_system():
    no_raid = {**DATA_RAID5, "raid_name": "NO RAID"}
    steps = chain(jobs.CREATE_INSTANCES, {**INSTALL, "volume_raids": [no_raid]})
    (make_raid,) = [step for step in steps if step.action == "MakeRaid"]
    assert make_raid.params["data_volumes"][0]["raid_level"] == "NORAID"
    assert [s.action for s in steps].index("MakeRaid") < [s.action for s in steps].index("InitNode")
    assert "MakeRaid" not in actions(jobs.CREATE_INSTANCES, INSTALL)


def test_a_reinstalls_data_partitions_go_on_the_data_volume():
    spec = {**INSTALL, "volume_raids": [DATA_RAID5], "data_partitions": DATA_PARTITIONS}

    steps = {step.action: step for step in chain(jobs.REINSTALL_INSTANCE, spec)}

    assert list(steps)[:6] == [*INTO_LIVEOS, "CleanBlockDevice", "MakeRaid", "InitNode"]
    partitions = [
        {
            "id": "ipt-data-1",
            "number": 1,
            "fs_type": "xfs",
            "size": 100000,
            "label": "l_data",
            "mountpoint": "/data",
            "options": "defaults,nofail",
        },
        {
            "id": "ipt-data-2",
            "number": 2,
            "fs_type": "ext4",
            "size": 50000,
            "label": "l_backup",
            "mountpoint": "/backup",
            "options": "defaults,nofail",
        },
    ]
    assert steps["MakeRaid"].params["data_volumes"][0]["partitions"] == partitions
    root, data = steps["MakePartitions"].params["volumes"]
    assert [p["id"] for p in root["partitions"]] == ["ipt-1", "ipt-2"]
    assert data == {
        "volume_id": "v-data",
        "volume_name": "data",
        "keep_data": False,
        "is_root_device": False,
        "is_data_device": True,
        "disk_label": "gpt",
        "partitions": partitions,
    }
    # The system's partitions are formatted and mounted by the next steps; the data volume's
    # are made in MakePartitions and reach the installed system's fstab only.
    assert [p["volume"] for p in steps["FormatPartitions"].params["partitions"]] == [
        "ipt-1",
        "ipt-2",
    ]
    assert [m["mountpoint"] for m in steps["MountPartitions"].params["mounts"]] == ["/"]


def test_keep_data_keeps_the_data_volumes_and_still_hands_them_over():
    spec = {
        **INSTALL,
        "keep_data": True,
        "volume_raids": [DATA_RAID5],
        "data_partitions": DATA_PARTITIONS,
    }

    steps = {step.action: step for step in chain(jobs.REINSTALL_INSTANCE, spec)}

    assert "CleanBlockDevice" not in steps
    assert steps["MakeRaid"].params["data_volumes"][0]["keep_data"] is True
    assert steps["MakePartitions"].params["volumes"][1]["keep_data"] is True


def test_data_partitions_without_a_chosen_data_volume_go_on_a_disk_the_agent_picks():
    spec = {**INSTALL, "data_partitions": DATA_PARTITIONS[:1]}
    (make_raid,) = [s for s in chain(jobs.REINSTALL_INSTANCE, spec) if s.action == "MakeRaid"]
    (volume,) = make_raid.params["data_volumes"]
    assert (volume["volume_id"], volume["raid_level"], volume["disk_hints"]) == ("", "NORAID", [])
    assert [p["mountpoint"] for p in volume["partitions"]] == ["/data"]


def test_create_without_password_skips_set_password():
    steps = chain(jobs.CREATE_INSTANCES, {**INSTALL, "password_encrypted": ""})
    skipped = [step.action for step in steps if step.skip]
    assert skipped == ["SetPassword"]
    with_password = chain(jobs.CREATE_INSTANCES, INSTALL)
    assert not any(step.skip for step in with_password)


def test_reinstall_wipes_disks_unless_keep_data():
    wiped = actions(jobs.REINSTALL_INSTANCE, INSTALL)
    assert wiped[:5] == [*INTO_LIVEOS, "CleanBlockDevice", "InitNode"]
    kept = actions(jobs.REINSTALL_INSTANCE, {**INSTALL, "keep_data": True})
    assert "CleanBlockDevice" not in kept
    assert kept == actions(jobs.CREATE_INSTANCES, INSTALL)


def test_delete_chain():
    assert actions(jobs.DELETE_INSTANCE, INSTALL) == [
        *INTO_LIVEOS,
        "CleanBlockDevice",
        "DHCPConfigDelHost",
        "PowerOff",
        "PowerStatus",
    ]
    with_raid = actions(jobs.DELETE_INSTANCE, {"raid": {"raid_id": "r", "name": "RAID10"}})
    assert with_raid[3:5] == ["CleanBlockDevice", "CleanRaid"]


def test_reset_password_chain():
    assert actions(jobs.RESET_PASSWORD, {"password_encrypted": "x"}) == [
        *INTO_LIVEOS,
        "InitNode",
        "SetPassword",
        "DHCPConfigDelHost",
        "PowerOff",
        "PowerStatus",
    ]


@pytest.mark.parametrize(
    ("task", "spec", "last"),
    [
        (jobs.CREATE_INSTANCES, INSTALL, "SetUserData"),
        (jobs.CREATE_INSTANCES, {**INSTALL, "image": {"format": "qcow2"}}, "SetUserData"),
        (jobs.REINSTALL_INSTANCE, INSTALL, "SetUserData"),
        (jobs.RESET_PASSWORD, {"password_encrypted": "x"}, "SetPassword"),
    ],
)
def test_the_last_agent_step_releases_the_installed_system(task, spec, last):
    """The agent unmounts the target after it, before the driver cycles the power."""
    releasing = [step.action for step in chain(task, spec) if step.params.get("release_target")]
    assert releasing == [last]


@pytest.mark.parametrize(
    ("task", "action"),
    [
        (jobs.START_INSTANCES, "PowerOn"),
        (jobs.STOP_INSTANCES, "PowerOff"),
        (jobs.RESTART_INSTANCES, "PowerCycle"),
    ],
)
def test_power_chains_end_with_an_observation(task, action):
    steps = chain(task)
    assert [(s.action, s.target) for s in steps] == [
        (action, "driver"),
        ("PowerStatus", "driver"),
    ]
    assert steps[0].params["bmc"] == NODE["bmc"]


def test_collect_chain():
    assert actions(jobs.COLLECT_HARDWARE_INFO, {"allow_override": False}) == [
        "DHCPConfigAddSubnet",
        *INTO_LIVEOS,
        "CollectDiskLocations",
        "CollectHardwareInfo",
        "DHCPConfigDelHost",
        "PowerOff",
        "PowerStatus",
    ]
    override = actions(jobs.COLLECT_HARDWARE_INFO, {"allow_override": True})
    assert override[4:6] == ["CleanRaid", "CollectDiskLocations"]


def test_putaway_chain():
    steps = chain(jobs.PUTAWAY_DEVICE)
    assert [(s.action, s.target) for s in steps] == [
        ("DHCPConfigAddSubnet", "dhcp"),
        ("CheckInitConfig", "driver"),
    ]
    assert steps[0].params == {
        "subnet": "10.0.3.0",
        "subnet_mask": "255.255.255.0",
        "routes": "10.0.3.1",
    }
    assert steps[1].params["privilege"] == "administrator"


def test_targets_timeouts_and_policies_are_upstreams():
    steps = {s.action: s for s in chain(jobs.COLLECT_HARDWARE_INFO, {"allow_override": True})}
    assert (steps["DHCPConfigAddHost"].target, steps["DHCPConfigAddHost"].timeout_s) == (
        "dhcp",
        180,
    )
    assert steps["DHCPConfigAddHost"].params == {"ip": "10.0.3.7", "mac": "52:54:00:00:00:01"}
    assert (steps["Ping"].target, steps["Ping"].timeout_s) == ("agent", 1800)
    assert (steps["CleanRaid"].timeout_s, steps["CleanRaid"].policy) == (360, "fail")
    assert (steps["CollectHardwareInfo"].timeout_s, steps["CollectHardwareInfo"].policy) == (
        600,
        "skip",
    )
    install = {s.action: s for s in chain(jobs.CREATE_INSTANCES, INSTALL)}
    assert install["WriteImageTar"].timeout_s == 1500
    assert install["SetNetwork"].params["network"]["ethernets"]["eth0"]["addresses"] == [
        "10.0.3.7/24"
    ]
    assert install["WriteImageTar"].params["url"] == "http://img/centos.tar"
    # Secrets stay encrypted in the stored chain.
    assert install["SetPassword"].params == {
        "username": "root",
        "password_encrypted": "gAAAA-secret",
    }


def test_timeout_scale(settings):
    settings.BMP_SCHEDULER_TIMEOUT_SCALE = 0.01
    steps = {s.action: s for s in chain(jobs.CREATE_INSTANCES, INSTALL)}
    assert steps["Ping"].timeout_s == pytest.approx(18)
    assert steps["SetPXEBoot"].timeout_s == pytest.approx(1.8)


def test_an_upstream_image_url_gets_the_image_service_address(settings):
    settings.BMP_IMAGE_URL = "http://10.0.0.1:10000"
    spec = {**INSTALL, "image": {**INSTALL["image"], "url": "{host}/req-1_centos.tar"}}
    steps = {s.action: s for s in chain(jobs.CREATE_INSTANCES, spec)}
    assert steps["WriteImageTar"].params["url"] == "http://10.0.0.1:10000/req-1_centos.tar"

"""Parsers tested on sample outputs: storcli64 JSON (written in its format, not captured),
/proc/mdstat, LLDP frames; the partition planner; the small YAML writer."""

from __future__ import annotations

import json
import struct

import pytest

from bmp_agent import kmod
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError
from bmp_agent.steps import lldp, partitions, raid, run_step

# Written in the JSON format of storcli64 007.x (MegaRAID), not captured from hardware: replace
# with a real capture when a controller is at hand.
STORCLI_COUNT = {
    "Controllers": [
        {
            "Command Status": {
                "CLI Version": "007.1017.0000.0000 May 10, 2019",
                "Operating system": "Linux 5.4.0",
                "Status Code": 0,
                "Status": "Success",
                "Description": "None",
            },
            "Response Data": {"Controller Count": 1},
        }
    ]
}
STORCLI_DRIVES = {
    "Controllers": [
        {
            "Command Status": {
                "Controller": 0,
                "Status": "Success",
                "Description": "Show Drive Information Succeeded.",
            },
            "Response Data": {
                "Drive Information": [
                    {
                        "EID:Slt": "252:0",
                        "DID": 8,
                        "State": "UGood",
                        "DG": "-",
                        "Size": "893.750 GB",
                        "Intf": "SATA",
                        "Med": "SSD",
                        "SED": "N",
                        "PI": "N",
                        "SeSz": "512B",
                        "Model": "SAMSUNG MZ7LH960HAJR-00005",
                        "Sp": "U",
                        "Type": "-",
                    },
                    {
                        "EID:Slt": "252:1",
                        "DID": 9,
                        "State": "UGood",
                        "DG": "-",
                        "Size": "893.750 GB",
                        "Intf": "SATA",
                        "Med": "SSD",
                        "SED": "N",
                        "PI": "N",
                        "SeSz": "512B",
                        "Model": "SAMSUNG MZ7LH960HAJR-00005",
                        "Sp": "U",
                        "Type": "-",
                    },
                ]
            },
        }
    ]
}
STORCLI_ADD_OK = {
    "Controllers": [
        {
            "Command Status": {
                "Controller": 0,
                "Status": "Success",
                "Description": "Add VD Succeeded",
            }
        }
    ]
}
STORCLI_ADD_FAIL = {
    "Controllers": [
        {
            "Command Status": {
                "Controller": 0,
                "Status": "Failure",
                "Description": "Add VD Failed",
                "Detailed Status": [{"ErrMsg": "drives are not UGood"}],
            }
        }
    ]
}


class Replay:
    """storcli64 as recorded: argv -> output; the commands asked are kept."""

    def __init__(self, answers: dict[tuple[str, ...], dict]):
        self.answers = answers
        self.asked: list[list[str]] = []

    def __call__(self, argv: list[str]) -> str:
        self.asked.append(argv)
        return json.dumps(self.answers[tuple(argv)])


def test_storcli_disks_and_raid1():
    replay = Replay(
        {
            ("storcli64", "show", "ctrlcount", "J"): STORCLI_COUNT,
            ("storcli64", "/call/eall/sall", "show", "J"): STORCLI_DRIVES,
            (
                "storcli64",
                "/c0",
                "add",
                "vd",
                "type=raid1",
                "drives=252:0,252:1",
                "J",
            ): STORCLI_ADD_OK,
        }
    )
    cli = raid.StorCli()
    assert cli.detect(replay)
    [controller] = cli.controllers(replay)
    assert controller["adapter_id"] == 0
    assert controller["disks"][1] == {
        "enclosure": "252",
        "slot": 1,
        "size": "893.750",
        "size_unit": "GB",
        "pd_type": "SATA",
        "media_type": "SSD",
        "model": "SAMSUNG MZ7LH960HAJR-00005",
        "state": "UGood",
    }
    volume = {
        "volume_id": "v-1",
        "raid_level": "RAID1",
        "physical_disks": [{"enclosure": 252, "slot": 0}, {"enclosure": 252, "slot": 1}],
    }
    made = cli.make(replay, 0, volume)
    assert made == {"volume_id": "v-1", "raid_driver": "storcli64", "disks": ["252:0", "252:1"]}


def test_storcli_failure_is_a_step_error():
    replay = Replay(
        {("storcli64", "/c0", "add", "vd", "type=raid0", "drives=252:0", "J"): STORCLI_ADD_FAIL}
    )
    volume = {
        "volume_id": "v",
        "raid_level": "NORAID",
        "physical_disks": [{"enclosure": 252, "slot": 0}],
    }
    with pytest.raises(StepError) as caught:
        raid.StorCli().make(replay, 0, volume)
    assert caught.value.code == "RAID_CREATE_FAILED" and "Add VD Failed" in caught.value.message


def test_no_raid_needs_no_tool(tmp_path):
    ctx = StepContext(work_dir=tmp_path, disks=[])
    data = raid.make_raid(
        {"raid_id": "r-1", "raid_name": "NO RAID", "raid_datas": []}, ctx, Replay({})
    )
    assert data["raid_datas"] == []
    with pytest.raises(StepError) as caught:
        raid.make_raid({"raid_name": "RAID7"}, ctx, Replay({}))
    assert caught.value.code == "RAID_LEVEL_UNSUPPORTED"


def test_mdstat_members(tmp_path):
    (tmp_path / "mdstat").write_text(
        "Personalities : [raid1] [raid0]\n"
        "md127 : active raid1 sdb[1] sda[0]\n      1046528 blocks super 1.2 [2/2] [UU]\n\n"
        "md1 : active (auto-read-only) raid0 nvme0n1p2[0] nvme1n1p2[1]\n\nunused devices: <none>\n"
    )
    ctx = StepContext(proc_root=tmp_path)
    assert raid.md_arrays(ctx) == {
        "/dev/md127": ["/dev/sdb", "/dev/sda"],
        "/dev/md1": ["/dev/nvme0n1p2", "/dev/nvme1n1p2"],
    }
    assert raid.arrays_using(ctx, ["/dev/sda"]) == ["/dev/md127"]


def test_mdstat_health_shows_a_degraded_mirror(tmp_path):
    (tmp_path / "mdstat").write_text(
        "Personalities : [raid1]\n"
        "md126 : active raid1 vdb3[1]\n      262080 blocks super 1.2 [2/1] [_U]\n\n"
        "md127 : active raid1 vdb2[1] vda2[0]\n      2095104 blocks super 1.2 [2/2] [UU]\n\n"
        "unused devices: <none>\n"
    )
    health = raid.md_health(StepContext(proc_root=tmp_path))
    assert [(a["device"], a["status"], a["degraded"]) for a in health] == [
        ("/dev/md126", "_U", True),
        ("/dev/md127", "UU", False),
    ]
    assert health[0] | {"members": None} == {
        "device": "/dev/md126",
        "level": "raid1",
        "state": "active",
        "members": None,
        "raid_disks": 2,
        "active_disks": 1,
        "status": "_U",
        "degraded": True,
    }


def test_a_kernel_module_that_cannot_be_loaded_is_named():
    with pytest.raises(StepError) as caught:
        kmod.require("bmp_no_such_module", purpose="a test")
    assert caught.value.code == "KERNEL_MODULE_MISSING"
    assert "bmp_no_such_module (a test)" in caught.value.message
    assert caught.value.details == {"module": "bmp_no_such_module"}


def test_software_raid1_needs_two_disks(tmp_path):
    ctx = StepContext(work_dir=tmp_path, disks=[])
    with pytest.raises(StepError) as caught:
        raid.make_raid({"raid_id": "r-1", "raid_name": "RAID1", "raid_datas": []}, ctx)
    assert caught.value.code == "RAID_NOT_ENOUGH_DISKS"
    assert ctx.state.raid_members == []


def _tlv(kind: int, value: bytes) -> bytes:
    return struct.pack("!H", kind << 9 | len(value)) + value


def test_lldp_frame():
    frame = (
        bytes.fromhex("0180c200000e52540011223388cc")
        + _tlv(1, b"\x04" + bytes.fromhex("001122334455"))
        + _tlv(2, b"\x05" + b"Ethernet1/12")
        + _tlv(3, b"\x00\x78")
        + _tlv(5, b"tor-a1")
        + _tlv(8, b"\x05\x01" + bytes([10, 0, 0, 254]) + b"\x02\x00\x00\x00\x01\x00")
        + _tlv(0, b"")
    )
    assert lldp.parse_frame(frame) == {
        "chassis_id": "00:11:22:33:44:55",
        "port_id": "Ethernet1/12",
        "system_name": "tor-a1",
        "management_address": "10.0.0.254",
    }
    with pytest.raises(ValueError):
        lldp.parse_frame(b"\x00" * 20)


def test_layout_rest_of_disk_in_the_middle():
    params = {
        "auto_create_efi": True,
        "volumes": [
            {
                "is_root_device": True,
                "partitions": [
                    {"id": "ipt-1", "number": 1, "fs_type": "xfs", "size": 0},
                    {"id": "ipt-2", "number": 2, "fs_type": "swap", "size": 1024},
                ],
            }
        ],
    }
    rows = partitions.plan_layout(params, 10 << 30)
    assert [(r["id"], r["start"], r["size"]) for r in rows] == [
        ("esp", 1, 512),
        ("ipt-1", 513, 10240 - 2 - 512 - 1024),
        ("ipt-2", 10240 - 1 - 1024, 1024),
    ]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"password": "Root-Pass-1"}, "PASSWORD_MISSING"),  # never the password itself
        ({}, "PASSWORD_MISSING"),
        ({"password_hash": "$1$salt$md5cryptisnotaccepted"}, "PASSWORD_HASH_INVALID"),
        ({"password_hash": "$6$salt$" + "a" * 85 + ":0:99999"}, "PASSWORD_HASH_INVALID"),
        ({"password_hash": "Root-Pass-1"}, "PASSWORD_HASH_INVALID"),
    ],
)
def test_set_password_takes_a_sha512_crypt_hash_only(tmp_path, params, error):
    ctx = StepContext(work_dir=tmp_path, disks=[], target_root=tmp_path / "target")
    status, data, code = run_step("SetPassword", params, ctx)
    assert (status, code) == ("failed", error)
    assert "Root-Pass-1" not in str(data)

"""A whole Linux install on loop devices, the way the scheduler's chain drives it: InitNode,
MakePartitions, FormatPartitions, MountPartitions, WriteImageTar (from a real HTTP server),
the Set* steps, then CleanBlockDevice. Checked with sfdisk, blkid and the files on disk."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import warnings
from pathlib import Path

from bmp_agent.steps import run_step

from .conftest import needs_disk_tools, sh

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

pytestmark = needs_disk_tools("grub-install", "xz", "tar")


def sha512_crypt(password: str) -> str:
    """What the platform sends SetPassword (the agent never gets the password itself)."""
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))


ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
BIOS_GRUB_TYPE = "21686148-6449-6E6F-744E-656564454649"
SWAP_TYPE = "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"


def spec_partitions(boot_mode: str) -> dict:
    """What agent_params.make_partitions/format/mount send for / (rest of disk) and swap."""
    parts = [("ipt-1", 1, "ext4", 0, "/", "l_root"), ("ipt-2", 2, "swap", 32, "swap", "l_swap")]
    return {
        "make": {
            "version": "2.0",
            "boot_mode": boot_mode,
            "auto_create_efi": boot_mode == "uefi",
            "auto_create_bios_grub": boot_mode == "bios",
            "volumes": [
                {
                    "keep_data": False,
                    "is_root_device": True,
                    "disk_hints": {},
                    "disk_label": "gpt",
                    "partitions": [
                        {
                            "id": i,
                            "part_type": "primary",
                            "fs_type": fs,
                            "boot_flag": None,
                            "number": n,
                            "size": size,
                        }
                        for i, n, fs, size, _, _ in parts
                    ],
                }
            ],
        },
        "format": {
            "version": "2.0",
            "partitions": [
                {"volume": i, "fs_type": fs, "label": label, "is_root": point == "/"}
                for i, _, fs, _, point, label in parts
            ],
        },
        "mount": {
            "version": "2.0",
            "auto_mount_efi": boot_mode == "uefi",
            "mounts": [
                {
                    "is_root_device": True,
                    "disk_hints": {},
                    "label": "l_root",
                    "options": "defaults",
                    "mountpoint": "/",
                }
            ],
        },
    }


def guest_tarball(tmp_path: Path) -> bytes:
    root = tmp_path / "guest"
    for folder in ("etc", "boot", "root", "var/lib"):
        (root / folder).mkdir(parents=True)
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc/shadow").write_text("root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
    (root / "etc/hosts").write_text("127.0.0.1\tlocalhost\n")
    (root / "boot/vmlinuz-6.1.0-test").write_bytes(b"kernel" * 1000)
    (root / "boot/initrd.img-6.1.0-test").write_bytes(b"initrd" * 1000)
    (root / "etc/os-release").write_text("ID=bmptest\n")
    archive = tmp_path / "guest.tar.xz"
    subprocess.run(["tar", "-cJf", str(archive), "-C", str(root), "."], check=True)
    return archive.read_bytes()


def ok(action, params, ctx):
    status, data, error = run_step(action, params, ctx)
    assert (status, error) == ("ok", None), data
    return data


def sfdisk(device: str) -> dict:
    return json.loads(sh("sfdisk", "--json", device))["partitiontable"]


def test_bios_install_from_tar_then_clean(loop_disks, make_ctx, http_dir, tmp_path):
    big, small = loop_disks(400), loop_disks(300)
    ctx = make_ctx([big, small])
    folder, base = http_dir
    image = guest_tarball(tmp_path)
    (folder / "guest.tar.xz").write_bytes(image)
    spec = spec_partitions("bios")

    chosen = ok("InitNode", {"node_data": {"root_device_hints": {}, "os_type": "Debian"}}, ctx)
    assert chosen["root_device"]["name"] == small  # the smallest disk
    ok("MakePartitions", spec["make"], ctx)
    table = sfdisk(small)
    assert table["label"] == "gpt"
    types = [p["type"] for p in table["partitions"]]
    assert types[0] == BIOS_GRUB_TYPE and types[2] == SWAP_TYPE
    assert table["partitions"][2]["size"] == 32 * 2048  # MB -> sectors
    assert table["partitions"][1]["size"] > 200 * 2048  # "/" takes the rest

    ok("FormatPartitions", spec["format"], ctx)
    assert sh("blkid", "-s", "LABEL", "-o", "value", f"{small}p2").strip() == "l_root"
    assert sh("blkid", "-s", "TYPE", "-o", "value", f"{small}p3").strip() == "swap"
    ok("MountPartitions", spec["mount"], ctx)

    params = {
        "url": f"{base}/guest.tar.xz",
        "format": "tar",
        "hash": hashlib.sha256(image).hexdigest(),
        "filename": "guest.tar.xz",
        "os_type": "Debian",
        "os_version": "12",
    }
    written = ok("WriteImageTar", params, ctx)
    assert written["bytes_written"] == len(image)
    assert ctx.progress.snapshot() == {"bytes": len(image), "total": len(image)}
    assert (ctx.target_root / "etc/os-release").read_text() == "ID=bmptest\n"
    fstab = (ctx.target_root / "etc/fstab").read_text()
    assert "LABEL=l_root\t/\text4" in fstab and "LABEL=l_swap\tnone\tswap" in fstab
    assert (ctx.target_root / "boot/grub/i386-pc/normal.mod").exists()
    grub_cfg = (ctx.target_root / "boot/grub/grub.cfg").read_text()
    assert "linux /boot/vmlinuz-6.1.0-test root=LABEL=l_root" in grub_cfg
    with open(small, "rb") as disk:
        assert b"GRUB" in disk.read(512)  # boot.img in the MBR

    ok("SetPassword", {"username": "root", "password_hash": sha512_crypt("s3cret-Pw")}, ctx)
    shadow = (ctx.target_root / "etc/shadow").read_text().splitlines()
    hashed = shadow[0].split(":")[1]
    assert hashed.startswith("$6$") and crypt.crypt("s3cret-Pw", hashed) == hashed
    assert shadow[1].startswith("daemon:*:")

    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmp test@bmp"
    meta = {"instance-id": "i-abc", "local-hostname": "node-7.lab", "public-keys": [key]}
    ok("SetMetaData", {"version": "2.0", "meta_data": meta}, ctx)
    seed = ctx.target_root / "var/lib/cloud/seed/nocloud"
    assert '"i-abc"' in (seed / "meta-data").read_text()
    assert (ctx.target_root / "etc/hostname").read_text() == "node-7.lab\n"
    assert "127.0.1.1\tnode-7 node-7.lab" in (ctx.target_root / "etc/hosts").read_text()
    keys = ctx.target_root / "root/.ssh/authorized_keys"
    assert keys.read_text() == key + "\n" and oct(keys.stat().st_mode)[-3:] == "600"

    network = {
        "version": 2,
        "ethernets": {
            "eth0": {
                "match": {"macaddress": "52:54:00:12:34:56"},
                "set-name": "eth0",
                "addresses": ["10.0.0.5/24"],
                "netmask": "255.255.255.0",
                "gateway4": "10.0.0.1",
                "nameservers": {"addresses": ["114.114.114.114", "8.8.8.8"]},
            }
        },
    }
    ok("SetNetwork", {"version": "2.0", "network": network}, ctx)
    netplan = (ctx.target_root / "etc/netplan/50-bmp.yaml").read_text()
    assert '      addresses:\n        - "10.0.0.5/24"' in netplan and "netmask" not in netplan
    user_data = "#cloud-config\nruncmd: [touch /root/ok]\n"
    ok("SetUserData", {"user_data": base64.b64encode(user_data.encode()).decode()}, ctx)
    assert (seed / "user-data").read_text() == user_data
    ok("SetCloudinitConf", {"version": "2.0", "ssh_pwauth": "no"}, ctx)
    assert "ssh_pwauth: false" in (ctx.target_root / "etc/cloud/cloud.cfg.d/99-bmp.cfg").read_text()

    cleaned = ok("CleanBlockDevice", {}, ctx)  # unmounts the target itself
    wiped = {(r["device"], r["type"]) for d in cleaned["devices"] for r in d["signatures_wiped"]}
    assert (f"{small}p2", "ext4") in wiped and (f"{small}p3", "swap") in wiped
    assert (small, "PMBR") in wiped or (small, "gpt") in wiped
    assert subprocess.run(["sfdisk", "--json", small], capture_output=True).stdout.strip() == b""
    assert not json.loads(sh("wipefs", "--json", big) or "{}").get("signatures")


def test_checksum_mismatch_fails_and_leaves_nothing(loop_disks, make_ctx, http_dir, tmp_path):
    disk = loop_disks(200)
    ctx = make_ctx([disk])
    folder, base = http_dir
    (folder / "guest.tar.xz").write_bytes(guest_tarball(tmp_path))
    spec = spec_partitions("bios")
    for action, params in [
        ("InitNode", {"node_data": {}}),
        ("MakePartitions", spec["make"]),
        ("FormatPartitions", spec["format"]),
        ("MountPartitions", spec["mount"]),
    ]:
        ok(action, params, ctx)

    params = {"url": f"{base}/guest.tar.xz", "hash": "0" * 64, "format": "tar"}
    status, data, error = run_step("WriteImageTar", params, ctx)
    assert (status, error) == ("failed", "IMAGE_CHECKSUM_MISMATCH")
    assert "the image record says 0000" in data["message"]
    assert sorted(p.name for p in ctx.target_root.iterdir()) == []  # lost+found went too

    status, data, error = run_step("WriteImageTar", {**params, "url": f"{base}/nope.tar.xz"}, ctx)
    assert (status, error) == ("failed", "IMAGE_DOWNLOAD_FAILED") and "HTTP 404" in data["message"]


def test_uefi_layout_has_an_esp(loop_disks, make_ctx):
    disk = loop_disks(700)
    ctx = make_ctx([disk])
    spec = spec_partitions("uefi")
    ok("InitNode", {"node_data": {}}, ctx)
    ok("MakePartitions", spec["make"], ctx)
    table = sfdisk(disk)
    assert table["partitions"][0]["type"] == ESP_TYPE
    assert table["partitions"][0]["size"] == 512 * 2048
    ok("FormatPartitions", spec["format"], ctx)
    assert sh("blkid", "-s", "TYPE", "-o", "value", f"{disk}p1").strip() == "vfat"
    # Mounting the ESP and grub-install for x86_64-efi need a kernel that mounts vfat, which
    # this one may not: tests/e2e/test_install_boot_uefi_raid.py runs them in the LiveOS's own
    # kernel under QEMU, and boots the result through OVMF.


def test_too_many_partitions_for_the_disk(loop_disks, make_ctx):
    disk = loop_disks(100)
    ctx = make_ctx([disk])
    ok("InitNode", {"node_data": {}}, ctx)
    spec = spec_partitions("bios")
    spec["make"]["volumes"][0]["partitions"][1]["size"] = 4096
    status, _data, error = run_step("MakePartitions", spec["make"], ctx)
    assert (status, error) == ("failed", "DISK_TOO_SMALL")


def test_write_raw_image_to_disk(loop_disks, make_ctx, http_dir):
    disk = loop_disks(64)
    ctx = make_ctx([disk])
    folder, base = http_dir
    payload = bytes(range(256)) * 4096 * 8  # 8 MiB
    (folder / "disk.raw").write_bytes(payload)
    ok("InitNode", {"node_data": {"root_device_hints": {"name": disk}}}, ctx)
    params = {"url": "{host}/disk.raw", "format": "raw", "hash": hashlib.md5(payload).hexdigest()}  # noqa: S324
    _status, data, error = run_step("WriteImage", params, ctx)
    assert error == "IMAGE_HOST_UNKNOWN"
    ctx.image_host = base
    data = ok("WriteImage", params, ctx)
    assert data["bytes_written"] == len(payload) and data["md5"] == params["hash"]
    with open(disk, "rb") as device:
        assert device.read(len(payload)) == payload

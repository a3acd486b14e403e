"""QEMU mode: IPMI power commands (real ipmitool) drive a real qemu-system-x86_64 under TCG.

The VMs here have no NIC and a blank disk: SeaBIOS finds nothing to boot and waits, which is
all a power test needs (a few MB of RAM, little CPU).
"""

from __future__ import annotations

import dataclasses
import os
import signal

import pytest

from bmp_common.testing.requirements import require_tools
from bmp_lab.qemu import UEFI, QemuMachine, QemuPower, qemu_argv

from .conftest import ipmitool, wait_until

needs_qemu = pytest.mark.usefixtures("qemu_installed")


@pytest.fixture
def qemu_installed():
    require_tools(
        "qemu-system-x86_64", "qemu-img", install="apt-get install qemu-system-x86 qemu-utils"
    )


def power(server, password) -> str:
    return ipmitool(server, password, "chassis", "power", "status").stdout.strip()


def test_pxe_boot_on_bios_uses_the_ipxe_rom_and_the_tap(tmp_path):
    machine = QemuMachine(tmp_path, tap="bmpe2e0t0", netns="bmpe2e0")

    argv = qemu_argv(machine, mac="52:54:00:00:00:01", boot_device="pxe")

    assert argv[:5] == ["ip", "netns", "exec", "bmpe2e0", "qemu-system-x86_64"]
    assert ["-accel", "tcg"] == argv[5:7]
    assert argv[argv.index("-boot") + 1] == "order=n"
    assert "virtio-net-pci,netdev=net0,mac=52:54:00:00:00:01" in argv
    assert "tap,id=net0,ifname=bmpe2e0t0,script=no,downscript=no" in argv
    assert f"unix:{tmp_path / 'qmp.sock'},server=on,wait=off" in argv
    assert "-no-reboot" in argv


def test_the_server_s_sn_is_its_dmi_serial(tmp_path):
    """What a guest reads in /sys/class/dmi/id/product_serial (its monitoring agent's SN)."""
    named = qemu_argv(
        QemuMachine(tmp_path, serial="LAB-0003"), mac="52:54:00:00:00:03", boot_device="disk"
    )
    odd = qemu_argv(
        QemuMachine(tmp_path, serial="A,B"), mac="52:54:00:00:00:03", boot_device="disk"
    )
    unnamed = qemu_argv(QemuMachine(tmp_path), mac="52:54:00:00:00:03", boot_device="disk")

    assert named[named.index("-smbios") + 1] == "type=1,serial=LAB-0003"
    assert odd[odd.index("-smbios") + 1] == "type=1,serial=A,,B"  # QEMU's escaped comma
    assert "-smbios" not in unnamed


def test_uefi_uses_firmware_pxe_and_its_own_nvram(tmp_path):
    machine = QemuMachine(tmp_path, tap="t0", firmware=UEFI)

    pxe = qemu_argv(machine, mac="52:54:00:00:00:02", boot_device="pxe")
    disk = qemu_argv(machine, mac="52:54:00:00:00:02", boot_device="disk")

    assert "virtio-net-pci,netdev=net0,mac=52:54:00:00:00:02,bootindex=1,romfile=" in pxe
    assert "virtio-blk-pci,drive=disk0,bootindex=1" in disk
    assert f"if=pflash,format=raw,file={tmp_path / 'OVMF_VARS.fd'}" in pxe
    assert "-boot" not in pxe  # OVMF ignores it; bootindex decides


def test_a_second_disk_and_a_pulled_one(tmp_path):
    machine = QemuMachine(tmp_path, firmware=UEFI, disk_count=2)

    both = " ".join(qemu_argv(machine, mac="52:54:00:00:00:03", boot_device="disk"))
    pulled = dataclasses.replace(machine, absent_disks=(1,))
    second_only = " ".join(qemu_argv(pulled, mac="52:54:00:00:00:03", boot_device="disk"))

    assert f"file={tmp_path / 'disk.qcow2'}" in both and f"file={tmp_path / 'disk2.qcow2'}" in both
    assert "drive=disk1,bootindex=3" in both  # after the first disk (1) and the NIC (2)
    assert "disk.qcow2" not in second_only and f"file={tmp_path / 'disk2.qcow2'}" in second_only


def test_a_disk_on_nvme(tmp_path):
    machine = QemuMachine(tmp_path, disk_count=2, nvme_disks=(2,))

    argv = qemu_argv(machine, mac="52:54:00:00:00:03", boot_device="disk")

    assert "virtio-blk-pci,drive=disk0" in argv and "nvme,drive=disk1,serial=BMPNVME2" in argv


@pytest.fixture
def qemu_server(fleet, tmp_path):
    server = fleet.nodes[0]
    qemu = QemuPower(server.node, QemuMachine(tmp_path, memory_mb=64, disk_gb=1)).attach()
    yield server, qemu
    qemu.detach()


@needs_qemu
def test_power_on_starts_qemu_and_power_off_quits_it(qemu_server, password):
    server, qemu = qemu_server

    assert ipmitool(server, password, "chassis", "power", "on").returncode == 0
    assert qemu.wait_idle()
    assert qemu.running and qemu.status() == "running"
    assert power(server, password) == "Chassis Power is on"
    assert (qemu.machine.workdir / "disk.qcow2").exists()

    pid = qemu.process.pid
    assert ipmitool(server, password, "chassis", "power", "off").returncode == 0
    assert qemu.wait_idle()
    assert not qemu.running and not os.path.exists(f"/proc/{pid}/status")
    assert power(server, password) == "Chassis Power is off"


@needs_qemu
def test_reset_keeps_qemu_and_cycle_restarts_it_with_the_new_boot_device(qemu_server, password):
    server, qemu = qemu_server
    ipmitool(server, password, "chassis", "power", "on")
    assert qemu.wait_idle() and qemu.booted_device == "disk"
    first = qemu.process.pid

    assert ipmitool(server, password, "chassis", "power", "reset").returncode == 0
    assert qemu.wait_idle()
    assert qemu.process.pid == first and qemu.status() == "running"  # system_reset, same VM
    # SeaBIOS resets once more by itself after a warm reset: that must not end QEMU either.
    assert not wait_until(lambda: not qemu.running, timeout=1.5)

    ipmitool(server, password, "chassis", "bootdev", "pxe")
    assert ipmitool(server, password, "chassis", "power", "cycle").returncode == 0
    assert qemu.wait_idle()
    assert qemu.process.pid != first and qemu.booted_device == "pxe"
    assert qemu.status() == "running"
    assert "order=n" in (qemu.machine.workdir / "qemu.log").read_text()


@needs_qemu
def test_soft_off_reaches_the_guest_and_a_guest_that_ignores_it_stays_on(qemu_server, password):
    server, qemu = qemu_server
    ipmitool(server, password, "chassis", "power", "on")
    assert qemu.wait_idle()

    assert ipmitool(server, password, "chassis", "power", "soft").returncode == 0
    assert qemu.wait_idle()

    # SeaBIOS waiting for a boot device does not handle ACPI: like a hung OS, it stays on.
    assert not wait_until(lambda: not qemu.running, timeout=1.0)
    assert power(server, password) == "Chassis Power is on"


@needs_qemu
def test_qemu_ending_by_itself_is_a_power_off(qemu_server, password):
    server, qemu = qemu_server
    ipmitool(server, password, "chassis", "power", "on")
    assert qemu.wait_idle()

    os.kill(qemu.process.pid, signal.SIGTERM)  # as if the guest powered off or crashed

    assert wait_until(lambda: server.power == "off", timeout=10)
    assert power(server, password) == "Chassis Power is off"

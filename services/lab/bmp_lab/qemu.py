"""QEMU mode of a lab server: the BMC's power controls a real virtual machine.

    power = QemuPower(server.node, QemuMachine(workdir, tap="bmpe2e0t0", netns="bmpe2e0"))
    power.attach()   # from now on, IPMI "power on" starts qemu-system-x86_64

The node keeps the IPMI state (power bit, boot flags, SEL); this adapter listens to its events
and makes them real:

| BMC event | QEMU |
|---|---|
| power on | start `qemu-system-x86_64 -accel tcg` booting the node's boot device |
| power off (hard) | QMP `quit` (SIGKILL if it does not go) |
| soft off (ACPI) | QMP `system_powerdown`; the guest decides; QEMU exits if it powers off |
| hard reset | QMP `system_reset`, or a restart when the boot device changed |
| power cycle | quit and start again, so a new boot device takes effect |

When QEMU ends by itself (guest power-off, panic with `-no-reboot`), the node powers off, so
the BMC's power status is the process's. TCG, not KVM: /dev/kvm on these machines only runs
specially built guest kernels (see docs netboot notes).

Node listeners run on the BMC's reactor thread and must not block: events go to a queue that
one thread per machine works through in order.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bmp_lab.node import POWER_CYCLE, POWER_OFF, POWER_ON, RESET, SOFT_OFF, VirtualNode
from bmp_lab.qmp import QmpError, qmp_command

log = logging.getLogger(__name__)

BIOS, UEFI = "bios", "uefi"
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
QUIT_TIMEOUT = 10.0  # seconds QEMU gets to exit after QMP quit before SIGKILL
QMP_READY_TIMEOUT = 10.0
RESET_GRACE = 5.0  # seconds after a BMC reset during which a guest reset reboots, not exits
_NO_REBOOT_AGAIN = "qemu:no-reboot-again"  # internal event: restore -no-reboot after a reset


@dataclass(frozen=True)
class QemuMachine:
    """How one lab server runs as a QEMU VM. Files (disk, NVRAM, logs, QMP) live in workdir."""

    workdir: Path
    tap: str | None = None  # a tap device for the virtio NIC; None = no NIC at all
    netns: str | None = None  # the network namespace holding the tap (QEMU runs inside it)
    firmware: str = BIOS  # BIOS: SeaBIOS + iPXE option ROM; UEFI: OVMF with its own PXE
    memory_mb: int = 512
    disk_gb: int = 4
    disk_count: int = 1  # disk.qcow2, disk2.qcow2, ...: a software RAID needs two
    # Disks left off the command line (by number, 1 = disk.qcow2): a disk pulled from the server.
    absent_disks: tuple[int, ...] = ()
    nvme_disks: tuple[int, ...] = ()  # disks on an NVMe controller (by number), else virtio-blk
    qemu: str = "qemu-system-x86_64"
    ovmf_code: Path = OVMF_CODE
    ovmf_vars: Path = OVMF_VARS
    extra_args: tuple[str, ...] = field(default=())
    serial: str = ""  # DMI's system serial number (the server's SN, as a real server's firmware)

    @property
    def qmp_path(self) -> Path:
        return self.workdir / "qmp.sock"

    @property
    def serial_log(self) -> Path:
        return self.workdir / "serial.log"

    @property
    def disk(self) -> Path:
        return self.workdir / "disk.qcow2"

    @property
    def disks(self) -> list[Path]:
        """Every disk's file, the first one first (whether absent or not)."""
        return [self.disk] + [
            self.workdir / f"disk{number}.qcow2" for number in range(2, self.disk_count + 1)
        ]

    @property
    def nvram(self) -> Path:
        return self.workdir / "OVMF_VARS.fd"  # per VM: OVMF writes its boot entries there


def qemu_argv(machine: QemuMachine, *, mac: str, boot_device: str) -> list[str]:
    """The command line that boots `machine` from `boot_device` ("pxe" or anything else: disk)."""
    pxe = boot_device == "pxe"
    argv = [
        machine.qemu,
        "-accel",
        "tcg",
        "-m",
        str(machine.memory_mb),
        "-nographic",  # firmware and iPXE text reach the serial log only this way
        "-monitor",
        "none",
        "-serial",
        f"file:{machine.serial_log}",
        "-qmp",
        f"unix:{machine.qmp_path},server=on,wait=off",
        "-no-reboot",  # a guest reboot or panic ends QEMU: the node powers off
    ]
    if machine.serial:
        argv += ["-smbios", "type=1,serial=" + machine.serial.replace(",", ",,")]  # QEMU escapes ,
    if machine.firmware == UEFI:
        argv += [
            "-drive",
            f"if=pflash,format=raw,readonly=on,file={machine.ovmf_code}",
            "-drive",
            f"if=pflash,format=raw,file={machine.nvram}",
        ]
        # OVMF ignores -boot order: the boot order comes from bootindex.
        disk_index, nic_index = (2, 1) if pxe else (1, 2)
    else:
        argv += ["-boot", "order=n" if pxe else "order=c"]
        disk_index = nic_index = None
    for number, path in enumerate(machine.disks, start=1):
        if number in machine.absent_disks:
            continue
        drive = f"disk{number - 1}"
        device = f"virtio-blk-pci,drive={drive}"
        if number in machine.nvme_disks:  # QEMU's NVMe controller needs a serial number
            device = f"nvme,drive={drive},serial=BMPNVME{number}"
        if disk_index is not None:  # OVMF: each disk is a boot option, in order
            device += _bootindex(disk_index + 2 * (number - 1))
        argv += ["-drive", f"if=none,id={drive},format=qcow2,file={path}", "-device", device]
    if machine.tap is None:
        argv += ["-nic", "none"]
    else:
        nic = f"virtio-net-pci,netdev=net0,mac={mac}{_bootindex(nic_index)}"
        if machine.firmware == UEFI:
            nic += ",romfile="  # no iPXE ROM: OVMF's own PXE, which chainloads snponly.efi
        argv += [
            "-netdev",
            f"tap,id=net0,ifname={machine.tap},script=no,downscript=no",
            "-device",
            nic,
        ]
    argv += list(machine.extra_args)
    if machine.netns:
        argv = ["ip", "netns", "exec", machine.netns, *argv]  # exec: the PID stays QEMU's
    return argv


def _bootindex(index: int | None) -> str:
    return "" if index is None else f",bootindex={index}"


class QemuPower:
    """Runs a node's power events on a QEMU process (see the module docstring)."""

    def __init__(self, node: VirtualNode, machine: QemuMachine) -> None:
        self.node = node
        self.machine = machine
        self.process: subprocess.Popen | None = None
        self.booted_device: str | None = None  # what the running QEMU was started to boot
        self.started_at: float | None = None  # time.time() of the last QEMU start
        self.starts = 0
        self._expected_exit: subprocess.Popen | None = None
        self._events: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    # -- wiring ----------------------------------------------------------------------------
    def attach(self) -> QemuPower:
        self.machine.workdir.mkdir(parents=True, exist_ok=True)
        self.node.soft_off_delay = None  # the guest OS answers ACPI now, not a timer
        self.node.add_listener(self._on_node_event)
        self._thread = threading.Thread(
            target=self._work, name=f"bmp-lab-qemu-{self.node.sn}", daemon=True
        )
        self._thread.start()
        return self

    def detach(self) -> None:
        self.node.remove_listener(self._on_node_event)
        if self._thread is not None:
            self._events.put(None)
            self._thread.join(timeout=QUIT_TIMEOUT + 5)
        self._stop()

    def _on_node_event(self, node: VirtualNode, event: str) -> None:
        self._idle.clear()
        self._events.put((event, node.booted_from))

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every power event so far has been acted on (for tests)."""
        return self._idle.wait(timeout)

    # -- state -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def status(self) -> str | None:
        """QMP query-status ("running", "paused", ...) or None when QEMU is not running."""
        if not self.running:
            return None
        try:
            return qmp_command(self.machine.qmp_path, "query-status").get("status")
        except QmpError:
            return None

    # -- the worker ------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            item = self._events.get()
            if item is None:
                return
            event, device = item
            try:
                self._handle(event, device or "disk")
            except Exception:
                log.exception("QEMU of %s: %s failed", self.node.sn, event)
            if self._events.empty():
                self._idle.set()

    def _handle(self, event: str, device) -> None:
        if event == _NO_REBOOT_AGAIN:
            if self.running and self.process is device:  # the same QEMU as at the reset
                qmp_command(self.machine.qmp_path, "set-action", reboot="shutdown")
        elif event == POWER_ON:
            self._start(device)
        elif event == POWER_OFF:
            self._stop()
        elif event == SOFT_OFF:
            self._qmp("system_powerdown")
        elif event == RESET and self.running and device == self.booted_device:
            self._system_reset()
        elif event in (RESET, POWER_CYCLE):
            # A reset to another boot device restarts too: QEMU fixes the order at start.
            self._stop()
            self._start(device)

    def _qmp(self, command: str) -> None:
        if self.running:
            qmp_command(self.machine.qmp_path, command)

    def _system_reset(self) -> None:
        # -no-reboot turns every reset into an exit, QMP's too. Lift it for a few seconds: SeaBIOS
        # answers a warm reset with a reset of its own, which must not end QEMU either.
        qmp_command(self.machine.qmp_path, "set-action", reboot="reset")
        qmp_command(self.machine.qmp_path, "system_reset")
        process = self.process
        timer = threading.Timer(RESET_GRACE, self._events.put, [(_NO_REBOOT_AGAIN, process)])
        timer.daemon = True
        timer.start()

    def _start(self, device: str) -> None:
        if self.running:
            return
        self._prepare_files()
        argv = qemu_argv(self.machine, mac=self.node.mac, boot_device=device)
        self.machine.qmp_path.unlink(missing_ok=True)
        output = open(self.machine.workdir / "qemu.log", "ab")
        output.write(f"--- {time.ctime()}: {' '.join(argv)}\n".encode())
        output.flush()
        with output:
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
            )
        self.process, self.booted_device = process, device
        self.started_at = time.time()
        self.starts += 1
        threading.Thread(target=self._watch, args=(process,), daemon=True).start()
        deadline = time.monotonic() + QMP_READY_TIMEOUT
        while not self.machine.qmp_path.exists() and process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        log.info("QEMU of %s started (pid %d, boot %s)", self.node.sn, process.pid, device)

    def _prepare_files(self) -> None:
        for disk in self.machine.disks:
            if not disk.exists():
                size = f"{self.machine.disk_gb}G"
                subprocess.run(
                    ["qemu-img", "create", "-q", "-f", "qcow2", str(disk), size],
                    check=True,
                    timeout=30,
                )
        if self.machine.firmware == UEFI and not self.machine.nvram.exists():
            shutil.copyfile(self.machine.ovmf_vars, self.machine.nvram)

    def _stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        self._expected_exit = process
        try:
            qmp_command(self.machine.qmp_path, "quit")
            process.wait(timeout=QUIT_TIMEOUT)
        except (QmpError, subprocess.TimeoutExpired):
            process.kill()  # by PID: only the QEMU this adapter started
            process.wait(timeout=QUIT_TIMEOUT)

    def _watch(self, process: subprocess.Popen) -> None:
        """QEMU ended without being told (guest off, panic, crash): the server is off."""
        code = process.wait()
        if process is self._expected_exit or process is not self.process:
            return
        log.info("QEMU of %s exited by itself (code %s): power off", self.node.sn, code)
        self.node.power_down()

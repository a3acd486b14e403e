"""Boot loader of the installed system: GRUB for BIOS (i386-pc, into the bios_grub partition) or
UEFI (x86_64-efi, --removable: EFI/BOOT/BOOTX64.EFI, so no NVRAM entry is needed).

GRUB's modules come from the LiveOS; the grub.cfg is ours, so a GuestOS image needs only a kernel
and an initrd in /boot (vmlinuz*/initrd.img*, or the names their packages use).

A system volume in software RAID boots from each member: BIOS gets GRUB in every member's MBR and
bios_grub partition, UEFI gets the removable path in every member's ESP (the first is filled by
grub-install, the others are copies of it). GRUB reads /boot through its mdraid1x module.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from bmp_agent import kmod, shell
from bmp_agent.context import StepContext
from bmp_agent.errors import StepError
from bmp_agent.steps import partitions

KERNEL_ARGS = "ro console=tty0 console=ttyS0,115200n8 net.ifnames=0 biosdevname=0"


def _newest(boot: str, prefixes: tuple[str, ...]) -> str:
    names = sorted(n for n in os.listdir(boot) if n.startswith(prefixes) and not n.endswith(".old"))
    return names[-1] if names else ""


def grub_cfg(ctx: StepContext) -> str:
    boot = ctx.in_target("/boot")
    kernel = _newest(str(boot), ("vmlinuz", "bzImage", "kernel"))
    if not kernel:
        raise StepError("KERNEL_NOT_FOUND", "the image has no kernel in /boot (vmlinuz*)")
    initrd = _newest(str(boot), ("initrd.img", "initramfs", "initrd"))
    separate_boot = any(m["mountpoint"] == "/boot" for m in ctx.state.mounts)
    prefix = "" if separate_boot else "/boot"
    root_label = next((m["label"] for m in ctx.state.mounts if m["mountpoint"] == "/"), "l_root")
    lines = [
        "# written by the BMP agent",
        "set timeout=1",
        "set default=0",
        "serial --unit=0 --speed=115200",
        "terminal_input console serial",
        "terminal_output console serial",
        "insmod part_gpt",
        *(["insmod mdraid1x"] if ctx.state.raid_members else []),
        "insmod ext2",
        "insmod xfs",
        f"search --no-floppy --set=root --label {root_label}",
        "menuentry 'Installed system' {",
        f"    linux {prefix}/{kernel} root=LABEL={root_label} {KERNEL_ARGS}",
    ]
    if initrd:
        lines.append(f"    initrd {prefix}/{initrd}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def install_bootloader(params: dict, ctx: StepContext) -> dict:
    """grub-install for the boot mode MakePartitions used; writes /boot/grub/grub.cfg."""
    if not shell.have("grub-install"):
        raise StepError(
            "BOOTLOADER_UNAVAILABLE", "grub-install is not in this LiveOS: no boot loader installed"
        )
    disk = ctx.state.root_disk
    disks = ctx.state.raid_members or [disk]  # a software RAID system volume: every member
    mode = str(params.get("boot_mode") or ctx.state.boot_mode or "uefi").lower()
    boot_dir = ctx.in_target("/boot")
    done = {"boot_mode": mode, "disk": disk, "grub_cfg": "/boot/grub/grub.cfg"}
    if mode == "bios":
        if partitions.BIOS_GRUB_ID not in ctx.state.partitions:
            raise StepError("BOOTLOADER_NO_BIOS_GRUB", "BIOS boot needs the bios_grub partition")
        for each in disks:
            argv = ["grub-install", "--target=i386-pc", f"--boot-directory={boot_dir}", each]
            shell.run(argv, code="BOOTLOADER_INSTALL_FAILED")
        done["disks"] = disks
    else:
        efi_dir = ctx.in_target("/boot/efi")
        if not os.path.ismount(efi_dir):
            raise StepError("BOOTLOADER_NO_ESP", "UEFI boot needs the ESP mounted at /boot/efi")
        argv = [
            "grub-install",
            "--target=x86_64-efi",
            f"--efi-directory={efi_dir}",
            f"--boot-directory={boot_dir}",
            "--removable",
            "--no-nvram",
            disk,
        ]
        shell.run(argv, code="BOOTLOADER_INSTALL_FAILED")
        done["esps"] = [ctx.state.partitions[partitions.ESP_ID]["device"], *_copy_esp(ctx)]
    config = grub_cfg(ctx)
    (boot_dir / "grub").mkdir(parents=True, exist_ok=True)
    (boot_dir / "grub" / "grub.cfg").write_text(config)
    return done


def _copy_esp(ctx: StepContext) -> list[str]:
    """The first ESP's EFI folder into every other ESP (a software RAID's other members);
    returns their devices."""
    copies = [
        part
        for pid, part in ctx.state.partitions.items()
        if part["type"] == "esp" and pid != partitions.ESP_ID
    ]
    if copies:
        kmod.require(*kmod.ESP, purpose="filling the other disks' EFI system partitions")
    source = ctx.in_target("/boot/efi/EFI")
    for part in copies:
        with tempfile.TemporaryDirectory(dir=ctx.work_dir) as point:
            partitions.mount(part, point, "umask=0077")
            try:
                shutil.copytree(source, os.path.join(point, "EFI"), dirs_exist_ok=True)
            finally:
                shell.run(["umount", point], code="UNMOUNT_FAILED")
    return [part["device"] for part in copies]

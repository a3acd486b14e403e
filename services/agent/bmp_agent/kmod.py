"""Kernel modules a step needs, loaded when the step runs (``modprobe``).

udev loads the drivers of the hardware it finds at boot (NICs, NVMe, virtio, SATA); what no
device asks for is loaded here: the FAT file system and its code pages before the ESP is
mounted, md and the RAID level's personality before ``mdadm --create``. The kernel would ask
modprobe for most of them by itself, but then a missing one surfaces as a vague ``mount: unknown
filesystem type`` or ``mdadm: ... failed to RUN_ARRAY``; here it is a StepError that names it.
"""

from __future__ import annotations

import shutil
import subprocess

from bmp_agent.errors import StepError

MODULE_MISSING = "KERNEL_MODULE_MISSING"

# What each need loads (Debian's names; code page 437 and utf8 are FAT's defaults there).
ESP = ("vfat", "nls_cp437", "nls_utf8")
MD_LEVELS = {"0": "raid0", "1": "raid1", "5": "raid456", "10": "raid10"}


def md(level: str) -> tuple[str, ...]:
    """md itself and the personality of RAID ``level`` ("0", "1", "5", "10")."""
    return ("md_mod", MD_LEVELS[level])


def require(*modules: str, purpose: str) -> list[str]:
    """Load ``modules`` (already loaded or built in: nothing to do); returns their names.

    StepError KERNEL_MODULE_MISSING names the first one this kernel cannot load, and why."""
    tool = shutil.which("modprobe")
    for module in modules:
        if tool is None:
            raise StepError(
                MODULE_MISSING,
                f"the kernel module {module} ({purpose}) cannot be loaded: no modprobe here",
                module=module,
            )
        try:
            done = subprocess.run(  # noqa: S603 (argv list, no shell)
                [tool, module], capture_output=True, text=True, timeout=60, check=False
            )
        except subprocess.TimeoutExpired:
            raise StepError(MODULE_MISSING, f"modprobe {module} did not finish") from None
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no reason given"]
            raise StepError(
                MODULE_MISSING,
                f"the kernel module {module} ({purpose}) cannot be loaded: {reason[0]}",
                module=module,
            )
    return list(modules)

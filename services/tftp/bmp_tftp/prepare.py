"""Put the iPXE boot programs into the TFTP root (at install or image build time)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# Debian's `ipxe` package. BIOS PXE chainloads undionly.kpxe (it drives the NIC through the
# firmware's UNDI); x86-64 UEFI gets ipxe.efi (own drivers) or snponly.efi (the firmware's SNP,
# which works on every NIC the firmware can boot from).
IPXE_SOURCE = Path("/usr/lib/ipxe")
BOOT_PROGRAMS = ("undionly.kpxe", "ipxe.efi", "snponly.efi")


class MissingBootPrograms(Exception):
    pass


def prepare_root(root: Path, source: Path = IPXE_SOURCE) -> list[Path]:
    """Copy the boot programs from ``source`` into ``root``; returns the files written.

    Each file is copied to a temporary name and renamed, so a running server never serves half
    a file. Files are world-readable and not writable by the server's user.
    """
    missing = [name for name in BOOT_PROGRAMS if not (source / name).is_file()]
    if missing:
        raise MissingBootPrograms(
            f"{', '.join(missing)} not found in {source} (apt-get install ipxe)"
        )
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for name in BOOT_PROGRAMS:
        target = root / name
        partial = root / f".{name}.partial"
        shutil.copyfile(source / name, partial)
        os.chmod(partial, 0o444)
        os.replace(partial, target)
        written.append(target)
    return written

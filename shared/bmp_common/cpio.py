"""cpio "newc" archives (the format of Linux initramfs), written and read with the standard
library only.

The gateway hands a booting LiveOS its agent token as a small extra initrd: the kernel unpacks
every archive it is given into the same root file system, so a file in this one lands next to
the LiveOS's own. The reader is for the lab's simulated agent and for tests.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass

MAGIC = b"070701"
TRAILER = "TRAILER!!!"
HEADER_FIELDS = 13  # after the magic, each 8 hex digits
HEADER_SIZE = len(MAGIC) + HEADER_FIELDS * 8


@dataclass(frozen=True)
class Entry:
    name: str  # relative, no leading "/" (as the kernel and `cpio -i` expect)
    mode: int  # file type and permission bits, e.g. stat.S_IFREG | 0o600
    data: bytes = b""

    @property
    def permissions(self) -> int:
        return stat.S_IMODE(self.mode)

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)


def directory(name: str, permissions: int = 0o755) -> Entry:
    return Entry(name, stat.S_IFDIR | permissions)


def regular_file(name: str, data: bytes, permissions: int = 0o644) -> Entry:
    return Entry(name, stat.S_IFREG | permissions, data)


def _pad(length: int) -> bytes:
    return b"\0" * (-length % 4)


def _record(inode: int, entry: Entry, mtime: int) -> bytes:
    name = entry.name.encode() + b"\0"
    nlink = 2 if entry.is_dir else 1
    fields = (inode, entry.mode, 0, 0, nlink, mtime, len(entry.data), 0, 0, 0, 0, len(name), 0)
    header = MAGIC + b"".join(b"%08X" % value for value in fields)
    return header + name + _pad(len(header) + len(name)) + entry.data + _pad(len(entry.data))


def write(entries: list[Entry], *, mtime: int = 0) -> bytes:
    """The archive of ``entries`` (owned by root), in order: directories before their files."""
    parts = [_record(inode, entry, mtime) for inode, entry in enumerate(entries, start=1)]
    parts.append(_record(0, Entry(TRAILER, 0), 0))
    return b"".join(parts)


class CpioError(ValueError):
    """Not a newc archive, or a truncated one."""


def read(archive: bytes) -> list[Entry]:
    """The entries of a newc archive, in order, up to its trailer."""
    entries, at = [], 0
    while True:
        header = archive[at : at + HEADER_SIZE]
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise CpioError(f"no newc header at byte {at}")
        try:
            fields = [int(header[6 + 8 * i : 14 + 8 * i], 16) for i in range(HEADER_FIELDS)]
        except ValueError:
            raise CpioError(f"a malformed header at byte {at}") from None
        mode, size, name_size = fields[1], fields[6], fields[11]
        name_at = at + HEADER_SIZE
        name = archive[name_at : name_at + name_size].rstrip(b"\0").decode()
        data_at = name_at + name_size + (-(HEADER_SIZE + name_size) % 4)
        data = archive[data_at : data_at + size]
        if len(data) < size:
            raise CpioError(f"{name}: the archive ends inside its data")
        if name == TRAILER:
            return entries
        entries.append(Entry(name, mode, data))
        at = data_at + size + (-size % 4)

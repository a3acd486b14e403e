"""The software RAID arrays of /proc/mdstat, sent with each heartbeat (``software_raid``).

One array as the kernel prints it::

    md127 : active raid1 vdb2[1](F) vda2[0]
          1046528 blocks super 1.2 [2/1] [U_]
          [==>..................]  recovery = 12.6% (132480/1046528) finish=0.1min

becomes ``{"name": "md127", "level": "raid1", "state": "active", "devices": ["vda2",
"vdb2"], "failed": ["vdb2"], "wanted": 2, "up": 1, "degraded": true, "sync": "recovery
12.6%"}``. An array is degraded when fewer members are up than it wants (``[2/1]``, ``[U_]``)
or a member is marked faulty ``(F)``, or the array is inactive (assembled without enough
members); raid0 and linear arrays have no such count and are degraded only by a faulty member.
"""

from __future__ import annotations

import re
from pathlib import Path

_ARRAY = re.compile(r"^(?P<name>md[\w/]*)\s*:\s*(?P<rest>.*)$")
_MEMBER = re.compile(r"^(?P<dev>[^\[\s]+)\[\d+\](?P<flags>(?:\([A-Za-z]\))*)$")
_COUNT = re.compile(r"\[(?P<wanted>\d+)/(?P<up>\d+)\]\s*\[(?P<map>[U_]+)\]")
_SYNC = re.compile(r"\b(?P<what>recovery|resync|reshape|check|repair)\s*=\s*(?P<pct>[\d.]+%)")
_STATES = ("active", "inactive")


def parse(text: str) -> list[dict]:
    """Every array of an mdstat text, in the order the kernel lists them."""
    arrays: list[dict] = []
    current: dict | None = None
    for line in text.splitlines():
        head = _ARRAY.match(line)
        if head:
            current = _head(head["name"], head["rest"])
            arrays.append(current)
            continue
        if current is None or not line.strip():
            if not line.strip():
                current = None
            continue
        count = _COUNT.search(line)
        if count:
            current["wanted"], current["up"] = int(count["wanted"]), int(count["up"])
        sync = _SYNC.search(line)
        if sync:
            current["sync"] = f"{sync['what']} {sync['pct']}"
    for array in arrays:
        array["degraded"] = (
            array["state"] == "inactive" or bool(array["failed"]) or array["up"] < array["wanted"]
        )
    return arrays


def _head(name: str, rest: str) -> dict:
    words = rest.split()
    state = words.pop(0) if words and words[0] in _STATES else ""
    read_only = ""
    if words and words[0].startswith("(") and words[0].endswith(")"):
        read_only = words.pop(0).strip("()")  # (read-only), (auto-read-only)
    level = words.pop(0) if words and not _MEMBER.match(words[0]) else ""
    members: list[tuple[int, str, str]] = []
    for word in words:
        member = _MEMBER.match(word)
        if member:
            slot = int(word[word.index("[") + 1 : word.index("]")])
            members.append((slot, member["dev"], member["flags"]))
    members.sort()
    array = {
        "name": name,
        "level": level,
        "state": state + (f" ({read_only})" if read_only else ""),
        "devices": [dev for _slot, dev, _flags in members],
        "failed": [dev for _slot, dev, flags in members if "(F)" in flags],
        "spares": [dev for _slot, dev, flags in members if "(S)" in flags],
        "wanted": 0,
        "up": 0,
        "sync": "",
    }
    return array


def read(proc: Path = Path("/proc")) -> list[dict]:
    """The arrays of this system; none where the kernel has no md driver."""
    try:
        return parse((proc / "mdstat").read_text())
    except OSError:
        return []

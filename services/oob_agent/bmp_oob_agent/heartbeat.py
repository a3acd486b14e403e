"""The agent's heartbeat: a file it touches while it works, for a container's healthcheck.

The agent serves no port and no queue: alive = its loop turns. It touches
``BMP_OOB_HEARTBEAT_FILE`` at start, when each poll round ends and, while it waits for the next
one, every quarter of the maximum age (30 s at most). ``python -m bmp_oob_agent.heartbeat``
exits 0 while the file is younger than ``BMP_OOB_HEARTBEAT_MAX_AGE`` seconds (default 900: a
poll round of an IDC must end within 15 minutes), 1 otherwise (no file, a stopped agent, a round
stuck on its BMCs).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bmp_common import env

DEFAULT_MAX_AGE = 900


def max_age() -> float:
    return float(env.env_int("BMP_OOB_HEARTBEAT_MAX_AGE", DEFAULT_MAX_AGE))


def beat_every() -> float:
    """While waiting for the next round, the file is touched this often (seconds)."""
    return min(30.0, max_age() / 4)


def heartbeat_file() -> Path | None:
    path = env.env_str("BMP_OOB_HEARTBEAT_FILE", "")
    return Path(path) if path else None


def beat(path: Path | None) -> None:
    """Touch PATH (no-op without one); a failure to write is the healthcheck's to notice."""
    if path is None:
        return
    try:
        path.touch()
    except OSError:
        pass


def is_alive(path: Path, limit: float) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    return age < limit


def main() -> int:
    path = heartbeat_file()
    if path is None:
        print("BMP_OOB_HEARTBEAT_FILE is not set", file=sys.stderr)
        return 1
    limit = max_age()
    if not is_alive(path, limit):
        print(f"no heartbeat in {path} for {limit:g} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

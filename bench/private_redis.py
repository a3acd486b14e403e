"""A private redis-server on a unix socket, for the benches whose servers record to Redis as in
production (bmp_common.flight): without one, the recorder would measure its outage path."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis


@contextmanager
def private_redis(folder: Path) -> Iterator[redis.Redis]:
    """Starts redis-server in ``folder`` and points ``BMP_REDIS_URL`` at it (the servers the
    bench starts inherit it); stops it, by its PID, on the way out."""
    sock = folder / "redis.sock"
    process = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", ""],  # noqa: S607
        cwd=folder,
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(unix_socket_path=str(sock))
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("the private redis-server did not start") from None
                time.sleep(0.05)
        os.environ["BMP_REDIS_URL"] = f"unix://{sock}"
        yield client
    finally:
        process.terminate()
        process.wait(timeout=10)


def node_entries() -> int:
    """Entries the flight recorder holds for servers known by MAC or address (its database:
    ``bmp_common.env.REDIS_DB_CACHE``), to show the bench ran the recording path."""
    from bmp_common import env

    client = redis.Redis.from_url(env.redis_url(env.REDIS_DB_CACHE))
    return sum(client.llen(key) for key in client.scan_iter(match="bmp:flight:node:*", count=1000))

"""``python -m bmp_image.nginx_log -- nginx -e stderr -g 'daemon off;'``: docker's image service.

Runs nginx (``deploy/docker/nginx-image.conf``) as a child whose standard output, where its
JSON access lines go (``log_format bmp_json``), is a pipe to this process. Each line is copied to
this process's standard output unchanged (the container's log), and each GET or HEAD is told to
the flight recorder by the client's address, as ``python -m bmp_image`` (the local runtime's
server) does itself: the jobs' timelines then show the kernel, initrd and image fetches in both
runtimes.

nginx must never wait for the recorder: the pipe is read by one thread that only parses, and
the Redis writes happen on another, fed by a bounded queue that drops (and counts) what does
not fit. Signals sent to this process (docker stop's SIGTERM or SIGQUIT, SIGHUP to reload,
SIGUSR1 to reopen logs) are passed to nginx; this process exits with nginx's status.
"""

from __future__ import annotations

import json
import logging
import logging.config
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from typing import TextIO

from bmp_common import env, flight
from bmp_image.logs import LOGGER_NAME, image_logging_config

log = logging.getLogger(f"{LOGGER_NAME}.nginx_log")

QUEUE_MAX = 10_000  # fetches waiting for Redis; more are dropped (the recorder never blocks)
BATCH_MAX = 500  # fetches sent in one Redis round trip
RECORDED_METHODS = ("GET", "HEAD")
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1)


def fetch_of(line: str) -> tuple[str, dict] | None:
    """``(client address, flight entry)`` of one access line, or None when the line is not a
    file request (an error line, /health, a refused method)."""
    try:
        fields = json.loads(line)
    except ValueError:
        return None
    if not isinstance(fields, dict) or fields.get("event") != "http_access":
        return None
    client, path = fields.get("client"), fields.get("path")
    if fields.get("method") not in RECORDED_METHODS or not client or not isinstance(path, str):
        return None
    detail = {
        "file": path.split("?", 1)[0][:256],
        "status": fields.get("status"),
        "bytes": fields.get("bytes"),
    }
    return str(client), flight.entry(flight.HTTP, flight.FILE_FETCHED, detail)


class Recorder:
    """Hands fetches to the flight recorder on a thread of its own, in batches."""

    def __init__(self) -> None:
        self.queue: queue.Queue[tuple[str, dict] | None] = queue.Queue(QUEUE_MAX)
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="flight-recorder", daemon=True)
        self._thread.start()

    def add(self, fetch: tuple[str, dict]) -> None:
        try:
            self.queue.put_nowait(fetch)
        except queue.Full:
            self.dropped += 1

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (for at most ``timeout`` seconds) and stop."""
        try:
            self.queue.put(None, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)
        if self.dropped:
            log.warning("flight recorder: %d fetches dropped (Redis too slow)", self.dropped)

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            while batch[-1] is not None and len(batch) < BATCH_MAX:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            fetches = [item for item in batch if item is not None]
            flight.record_node(fetches)  # never raises: a Redis outage loses entries only
            if batch[-1] is None:
                return


def follow(lines: Iterable[str], out: TextIO, recorder: Recorder) -> None:
    """Copy each line to ``out`` and record the fetches among them."""
    for line in lines:
        out.write(line)
        out.flush()
        fetch = fetch_of(line)
        if fetch is not None:
            recorder.add(fetch)


def run(argv: list[str]) -> int:
    """Run ``argv`` (nginx) with its standard output followed; its exit status."""
    recorder = Recorder()
    child: subprocess.Popen | None = None
    early: list[int] = []  # signals that came before nginx ran: passed on once it does

    def forward(signum, _frame):
        if child is None:
            early.append(signum)
        else:
            child.send_signal(signum)

    for signum in FORWARDED_SIGNALS:
        signal.signal(signum, forward)
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, errors="replace")  # noqa: S603
    for signum in early:
        child.send_signal(signum)
    try:
        follow(child.stdout, sys.stdout, recorder)  # ends when nginx (all its workers) exits
    finally:
        status = child.wait()
        recorder.close()
    return status


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        sys.exit("usage: python -m bmp_image.nginx_log -- nginx [options]")
    logging.config.dictConfig(image_logging_config(env.env_str("BMP_LOG_LEVEL", "INFO")))
    sys.exit(run(argv))


if __name__ == "__main__":
    main()

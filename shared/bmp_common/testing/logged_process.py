"""A service started as a process for a test, whose JSON log lines (stderr) the test reads."""

from __future__ import annotations

import json
import subprocess
import threading
import time


class LoggedProcess:
    """``argv`` running; ``lines`` are its log entries; ``port`` is from its "listening" event."""

    def __init__(self, argv: list[str]):
        self.process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
        self.lines: list[dict] = []
        threading.Thread(target=self._read_log, daemon=True).start()
        self.port = self.wait_for("listening", timeout=20)["port"]

    def _read_log(self) -> None:
        for line in self.process.stderr:
            try:
                self.lines.append(json.loads(line))
            except ValueError:
                self.lines.append({"raw": line})

    def wait_for(self, event: str, timeout: float = 5, **match) -> dict:
        """The first log entry of ``event`` with the ``match`` fields; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in list(self.lines):
                if entry.get("event") == event and all(entry.get(k) == v for k, v in match.items()):
                    return entry
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited: {self.lines}")
            time.sleep(0.02)
        raise AssertionError(f"no {event} {match} in the log: {self.lines}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

"""The agent's loop: at each aligned tick, collect and post the points, then the heartbeat.

Configuration (JSON, ``/etc/bmp-agent/agent.json``)::

    {"proxy_url": "http://bmp-agent-proxy:8805/api/v1/agent/",
     "credential_file": "/etc/bmp-agent/credential",
     "interval_s": 60, "proc": "/proc", "sys": "/sys", "sn": ""}

``sn`` empty: read from DMI. The credential file holds the instance's credential (0600).
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bmp_monitor_agent import VERSION, mdstat
from bmp_monitor_agent.collect import Collector, serial_number

log = logging.getLogger("bmp-monitor-agent")
STATUS_RUNNING, STATUS_STOPPING = 1, 2
TIMEOUT_S = 3  # upstream's agent.collect.timeout


@dataclass
class Settings:
    proxy_url: str
    credential: str
    interval_s: float = 60.0
    proc: Path = Path("/proc")
    sys: Path = Path("/sys")
    sn: str = ""

    @classmethod
    def load(cls, path: Path) -> Settings:
        raw = json.loads(path.read_text())
        credential = raw.get("credential", "")
        if raw.get("credential_file"):
            credential = Path(raw["credential_file"]).read_text().strip()
        url = raw["proxy_url"]
        if not url.startswith(("http://", "https://")):
            raise ValueError("proxy_url: http(s) only")
        return cls(
            proxy_url=url.rstrip("/") + "/",
            credential=credential,
            interval_s=float(raw.get("interval_s", 60)),
            proc=Path(raw.get("proc", "/proc")),
            sys=Path(raw.get("sys", "/sys")),
            sn=raw.get("sn", ""),
        )


class Agent:
    def __init__(self, settings: Settings, *, collector: Collector | None = None, clock=time.time):
        self.settings = settings
        self.collector = collector or Collector(proc=settings.proc, sys=settings.sys)
        self.sn = settings.sn or serial_number(settings.sys) or "empty_sn_mocked"
        self.clock = clock
        self.stopping = threading.Event()

    def _post(self, route: str, body: dict) -> int:
        request = urllib.request.Request(  # noqa: S310 (http(s), checked in Settings.load)
            self.settings.proxy_url + route,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.settings.credential}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310
                return answer.status
        except urllib.error.HTTPError as exc:
            log.warning("%s refused: %s", route, exc.code)
            return exc.code
        except OSError as exc:
            log.warning("%s not sent: %s", route, exc)
            return 0

    def tick(self, timestamp: int) -> tuple[int, int]:
        """One report: the points, then the heartbeat; their HTTP statuses (0: not sent)."""
        points = [p.wire(timestamp) for p in self.collector.collect()]
        put = self._post("put", {"sn": self.sn, "dataPoints": points})
        beat = self.heartbeat(STATUS_RUNNING, timestamp)
        return put, beat

    def heartbeat(self, status: int, timestamp: int) -> int:
        body = {
            "instance_id": "",
            "sn": self.sn,
            "agent_version": VERSION,
            "timestamp": timestamp,
            "status": status,
        }
        if status == STATUS_RUNNING:
            # The system's software RAID arrays, so that the instance's detail shows a degraded
            # one (an empty list: none, or no md driver).
            body["software_raid"] = mdstat.read(self.settings.proc)
        return self._post("heartbeat", body)

    def run(self) -> None:
        """Ticks at multiples of the interval (upstream aligned its timestamps to 60 s)."""
        interval = self.settings.interval_s
        while not self.stopping.is_set():
            now = self.clock()
            next_tick = (int(now // interval) + 1) * interval
            if self.stopping.wait(next_tick - now):
                break
            self.tick(int(next_tick))
        self.heartbeat(STATUS_STOPPING, int(self.clock()))


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="bmp-monitor-agent")
    parser.add_argument("-c", "--config", type=Path, default=Path("/etc/bmp-agent/agent.json"))
    parser.add_argument("--once", action="store_true", help="report once and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    agent = Agent(Settings.load(args.config))
    if args.once:
        print(json.dumps(agent.tick(int(time.time()))))
        return
    signal.signal(signal.SIGTERM, lambda *_: agent.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: agent.stopping.set())
    log.info(
        "bmp-monitor-agent %s reporting for %s to %s", VERSION, agent.sn, agent.settings.proxy_url
    )
    agent.run()

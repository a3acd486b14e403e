"""In-band metrics per second for 1,000 agents: through the monitor-proxy into the Pushgateway,
against posting the same points straight to the Pushgateway.

    python bench/monitor_ingest.py [--agents 1000] [--window 32] [--workers 2] [--threads 8]

Starts on 127.0.0.1, by their PIDs: a private redis-server, Debian's prometheus-pushgateway and
the proxy (gunicorn, as the local runtime runs it). Each agent's report is what the real agent
reads from a fake guest (one disk, two NICs, two mount points: 27 points). openapi's credential
check is answered by a stand-in on the loopback: the proxy asks it once per agent (the warm-up
round), then trusts its cache, so the timed rounds measure the proxy's own ingest.

Timed: one report per agent, ``--window`` in flight, through the proxy (credential from the
cache, one Pushgateway PUT per table and report) and then straight to the Pushgateway (the same
two PUTs per report, no proxy). A sample of agents is also pushed as upstream's proxy did, one
PUT per point. Ends with ``agents=1000 points_per_s=… direct_ratio=…`` (proxy / direct).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bmp_lab.platform import free_port, wait_for, wait_http
from bmp_monitor_agent.collect import Collector
from bmp_monitor_agent.fake import FakeHost
from bmp_monitor_proxy import push

TOKEN = secrets.token_urlsafe(16)


class StandIn(BaseHTTPRequestHandler):
    """openapi's credential check: every agent's credential is good, for instance bmp-<sn>."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = json.dumps(
            {"result": {"instance": {"instanceId": f"bmp-{body['sn'].lower()}", "sn": body["sn"]}}}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def start(name: str, argv: list[str], env: dict, work: Path) -> subprocess.Popen:
    log = open(work / f"{name}.log", "wb")
    return subprocess.Popen(  # noqa: S603
        argv,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def post(url: str, body: bytes, credential: str) -> int:
    request = urllib.request.Request(  # noqa: S310 (http on the loopback)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {credential}"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return answer.status


def timed(work, items, window: int) -> float:
    began = time.perf_counter()
    with ThreadPoolExecutor(window) as pool:
        list(pool.map(work, items))
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--upstream-sample", type=int, default=50)
    args = parser.parse_args()
    for tool in ("redis-server", "prometheus-pushgateway"):
        if shutil.which(tool) is None:
            sys.exit(
                f"{tool} is not installed (apt-get install redis-server prometheus-pushgateway)"
            )

    work = Path(tempfile.mkdtemp(prefix="bmp-monitor-bench-"))
    processes: list[subprocess.Popen] = []
    stand_in = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()
    try:
        redis_port, gateway_port, proxy_port = free_port(), free_port(), free_port()
        processes.append(
            start(
                "redis",
                [
                    "redis-server",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(redis_port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                {},
                work,
            )
        )
        processes.append(
            start(
                "pushgateway",
                [
                    "prometheus-pushgateway",
                    f"--web.listen-address=127.0.0.1:{gateway_port}",
                    "--push.disable-consistency-check",  # as the local runtime runs it
                ],
                {},
                work,
            )
        )
        env = {
            "BMP_OPENAPI_URL": f"http://127.0.0.1:{stand_in.server_address[1]}",
            "BMP_PUSHGATEWAY_URL": f"http://127.0.0.1:{gateway_port}",
            "BMP_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "BMP_MONITOR_TOKEN": TOKEN,
            "BMP_LOG_LEVEL": "WARNING",
        }
        processes.append(
            start(
                "proxy",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "bmp_monitor_proxy.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{proxy_port}",
                    "--workers",
                    str(args.workers),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    str(args.threads),
                    "--no-control-socket",
                ],
                env,
                work,
            )
        )
        wait_http(f"http://127.0.0.1:{proxy_port}/health", "the proxy")
        wait_http(f"http://127.0.0.1:{gateway_port}/-/ready", "the Pushgateway")
        wait_for(
            lambda: (
                subprocess.run(  # noqa: S603
                    ["redis-cli", "-p", str(redis_port), "ping"],  # noqa: S607
                    capture_output=True,
                ).returncode
                == 0
            ),
            10,
            "redis",
        )

        host = FakeHost(work / "guest")
        points = [
            p.wire(int(time.time()))
            for p in Collector(proc=host.proc, sys=host.sys, statvfs=host.statvfs).collect()
        ]
        agents = [f"SN-BENCH-{i:05d}" for i in range(args.agents)]
        bodies = {sn: json.dumps({"sn": sn, "dataPoints": points}).encode() for sn in agents}
        url = f"http://127.0.0.1:{proxy_port}/api/v1/agent/put"
        total = len(points) * len(agents)

        def through_proxy(sn):
            assert post(url, bodies[sn], f"credential-{sn}") == 200

        parsed, _ = push.parse_points(points)
        gateway = f"http://127.0.0.1:{gateway_port}"

        def direct(sn):
            push.push(gateway, f"bmp-{sn.lower()}", parsed, 30)

        def per_point(sn):  # upstream's proxy: one PUT per point, its own group each
            for point in parsed:
                registry_points = [point]
                push.push(
                    f"{gateway}",
                    f"bmp-{sn.lower()}-{point.metric}-{point.device}",
                    registry_points,
                    30,
                )

        warm = timed(through_proxy, agents, args.window)  # credential checks fill the cache
        proxy_s = timed(through_proxy, agents, args.window)
        direct_s = timed(direct, agents, args.window)
        sample = agents[: args.upstream_sample]
        upstream_s = timed(per_point, sample, args.window)

        proxy_rate, direct_rate = total / proxy_s, total / direct_s
        upstream_rate = len(points) * len(sample) / upstream_s
        print(f"points per report: {len(points)}; warm-up round (credential checks): {warm:.2f} s")
        print(
            f"through the proxy: {proxy_s:.2f} s, {proxy_rate:.0f} points/s, "
            f"{len(agents) / proxy_s:.0f} reports/s"
        )
        print(
            f"straight to the Pushgateway (2 PUTs per report): {direct_s:.2f} s, "
            f"{direct_rate:.0f} points/s"
        )
        print(
            f"upstream's way (1 PUT per point, {len(sample)} agents): {upstream_rate:.0f} points/s"
        )
        print(
            f"agents={len(agents)} points_per_s={proxy_rate:.0f} "
            f"direct_ratio={proxy_rate / direct_rate:.2f}"
        )
    except BaseException:
        for log in sorted(work.glob("*.log")):
            print(
                f"== {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            )
        raise
    finally:
        stand_in.shutdown()
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

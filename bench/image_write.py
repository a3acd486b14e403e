"""Benchmark: the agent's streamed image write against ``curl URL | dd of=FILE bs=4M``.

Serves a 1 GiB image from a local HTTP server on 127.0.0.1 (its own process, sendfile), then
writes it to a disk image file under /tmp/bmpag-bench-* with the agent's WriteImage code (read,
SHA-256 and write overlapped; fsync at the end) and with ``curl -s URL | dd bs=4M conv=fsync``
(the same durability, no checksum), alternating, ``--runs`` times each. Ends with one line:

    size_mb=1024 agent_mb_s=… dd_mb_s=… ratio=…

(best run of each; ratio = agent / dd, target >= 0.9).

    .venv/bin/python bench/image_write.py [--size-mb 1024] [--runs 3]
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "agent"))

from bmp_agent.context import StepContext  # noqa: E402
from bmp_agent.download import Expected  # noqa: E402
from bmp_agent.steps.image import stream_to_device  # noqa: E402

BLOCK = 4 << 20


class SendfileHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    path_on_disk = ""

    def log_message(self, *args):
        pass

    def do_GET(self):
        size = os.path.getsize(self.path_on_disk)
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        with open(self.path_on_disk, "rb") as source:
            self.connection.sendfile(source)


def serve(path: str) -> None:
    SendfileHandler.path_on_disk = path
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SendfileHandler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def make_image(path: Path, size_mb: int) -> str:
    """Incompressible-looking content (a random block repeated); returns its SHA-256."""
    block = os.urandom(BLOCK)
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(size_mb * (1 << 20) // BLOCK):
            out.write(block)
            digest.update(block)
    return digest.hexdigest()


def time_agent(url: str, digest: str, target: Path, work: Path) -> float:
    target.unlink(missing_ok=True)
    target.touch()
    ctx = StepContext(target_root=work / "t", work_dir=work / "w", disks=[])
    started = time.perf_counter()
    stream_to_device(url, ctx, Expected("sha256", digest), str(target))
    return time.perf_counter() - started


def time_dd(url: str, target: Path) -> float:
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(  # noqa: S602 (a fixed pipeline; the URL is ours)
        f"curl -sf '{url}' | dd of='{target}' bs=4M conv=fsync status=none", shell=True, check=True
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    work = Path(tempfile.mkdtemp(prefix="bmpag-bench-", dir="/tmp"))
    server = None
    try:
        image = work / "image.raw"
        digest = make_image(image, args.size_mb)
        server = subprocess.Popen(  # noqa: S603 (this script, our arguments)
            [sys.executable, __file__, "--serve", str(image)], stdout=subprocess.PIPE, text=True
        )
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/image.raw"
        agent_s, dd_s = [], []
        for run in range(args.runs):
            agent_s.append(time_agent(url, digest, work / "agent.img", work))
            dd_s.append(time_dd(url, work / "dd.img"))
            print(f"run {run + 1}: agent {agent_s[-1]:.2f} s, curl|dd {dd_s[-1]:.2f} s", flush=True)
        if (work / "agent.img").stat().st_size != image.stat().st_size:
            raise SystemExit("the agent's copy has the wrong size")
        agent_mb_s = args.size_mb / min(agent_s)
        dd_mb_s = args.size_mb / min(dd_s)
        print(
            f"size_mb={args.size_mb} agent_mb_s={agent_mb_s:.0f} dd_mb_s={dd_mb_s:.0f} "
            f"ratio={agent_mb_s / dd_mb_s:.2f}"
        )
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

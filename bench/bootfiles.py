"""Throughput of a 30 MiB boot file: our TFTP vs Debian's tftpd-hpa, our HTTP vs nginx.

    python bench/bootfiles.py [--size-mb 30] [--runs 7] [--http-runs 25] [--blksize 1468]
        [--tftp-client busybox|tftpy]

Everything runs on 127.0.0.1, started by this script in the foreground and stopped at the end
(no Debian service is left running): ``python -m bmp_tftp`` and ``in.tftpd -L`` (apt
``tftpd-hpa``; it needs root for its chroot) over one root, ``python -m bmp_image`` and ``nginx``
(apt ``nginx-light``, with a config of its own written to a temporary folder: sendfile on, one
worker, access log on as ours) over the same root. One client per protocol for both servers:
``busybox tftp -b BLKSIZE`` (or tftpy) and ``curl``; the first download from each server is
checked byte for byte, then runs alternate between the two servers and the median run counts
(not the best: on a shared machine the best of many runs measures luck, not the server); each
server's CPU per transfer (its process and the processes it forks) is printed too
(a 30 MiB HTTP transfer on loopback takes ~10 ms, so HTTP gets more runs against the noise of a
shared machine). Ends with one line:
``size_mb=30 tftp_ratio=… http_ratio=… ours_tftp_mb_s=… ours_http_mb_s=…``
(ratio = our median throughput / the baseline's median; MB = MiB). Targets: tftp_ratio >= 0.9,
http_ratio >= 0.95. Ours record each file handed out in a private redis-server (the flight
recorder, as in production); the line before the last says how many.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from private_redis import node_entries, private_redis

FILE_NAME = "liveos-initrd.img"
NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
user nobody nogroup;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, kind: int, process: subprocess.Popen, what: str) -> None:
    """TCP: until it accepts. UDP: until the port is taken (binding it fails)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                if kind == socket.SOCK_STREAM:
                    sock.connect(("127.0.0.1", port))
                    return
                sock.bind(("127.0.0.1", port))
            except OSError:
                if kind == socket.SOCK_DGRAM:
                    return
        time.sleep(0.05)
    raise SystemExit(f"{what} did not listen on {port}")


def start(command: list[str], port: int, kind: int, what: str, log: Path) -> subprocess.Popen:
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    wait_for_port(port, kind, process, what)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---------------------------------------------------------------------------- clients


def tftp_get(client: str, port: int, blksize: int, target: str) -> float:
    started = time.perf_counter()
    if client == "busybox":
        command = ["busybox", "tftp", "-g", "-r", FILE_NAME, "-l", target, "-b", str(blksize)]
        subprocess.run([*command, "127.0.0.1", str(port)], check=True)  # noqa: S603
    else:
        import tftpy

        options = {"blksize": blksize}
        tftpy.TftpClient("127.0.0.1", port, options=options).download(FILE_NAME, target)
    return time.perf_counter() - started


def http_get(port: int, target: str) -> float:
    """curl's own total time, so its process start is not counted."""
    url = f"http://127.0.0.1:{port}/{FILE_NAME}"
    command = ["curl", "-sS", "--fail", "-o", target, "-w", "%{time_total}", url]
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    return float(done.stdout)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def _own_ticks(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[11]) + int(fields[12]) if fields else None  # utime + stime


class TreeCpu:
    """CPU seconds of a server and of the processes it forks, while a block runs. Children
    are sampled every 10 ms (their last sample counts): tftpd-hpa ignores SIGCHLD, so its
    transfers' CPU never reaches its own cumulative counters."""

    def __init__(self, pid: int):
        self.pid, self.seconds = pid, 0.0
        self._first: dict[int, int] = {}
        self._last: dict[int, int] = {}
        self._done = threading.Event()

    def _sample(self) -> None:
        for child in [self.pid, *_descendants(self.pid)]:
            if (ticks := _own_ticks(child)) is not None:
                self._first.setdefault(child, ticks)
                self._last[child] = ticks

    def _run(self) -> None:
        while not self._done.wait(0.01):
            self._sample()

    def __enter__(self) -> TreeCpu:
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._thread.join()
        self._sample()
        ticks = sum(self._last[pid] - self._first.get(pid, 0) for pid in self._last)
        self.seconds = ticks / os.sysconf("SC_CLK_TCK")


def compare(
    label: str,
    fetchers: dict[str, Callable[[str], float]],
    expected: str,
    scratch: Path,
    runs: int,
    pids: dict[str, int],
) -> dict[str, float]:
    """Median time per server; the first download of each is checked against the file. Also
    prints each server's CPU per transfer, which the machine's load skews far less than time."""
    for name, fetch in fetchers.items():
        copy = scratch / f"{label}-{name}.bin"
        fetch(str(copy))
        if sha256(copy) != expected:
            raise SystemExit(f"{label} {name}: the downloaded bytes differ from the file")
        copy.unlink()
    times: dict[str, list[float]] = {name: [] for name in fetchers}
    cpu = {name: 0.0 for name in fetchers}
    for run in range(runs):
        for name, fetch in fetchers.items():
            with TreeCpu(pids[name]) as used:
                seconds = fetch(os.devnull)
            cpu[name] += used.seconds
            times[name].append(seconds)
            print(f"{label} run {run + 1}: {name} {seconds:.3f} s", flush=True)
    if not runs:
        return {name: float("nan") for name in fetchers}
    per_transfer = {name: round(seconds * 1000 / runs, 1) for name, seconds in cpu.items()}
    print(f"{label} server CPU ms per transfer: {json.dumps(per_transfer)}", flush=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    best = {name: round(min(values), 4) for name, values in times.items()}
    print(f"{label} median s: {json.dumps(medians)} (best s: {json.dumps(best)})", flush=True)
    return medians


# ---------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=30)
    parser.add_argument("--runs", type=int, default=7, help="TFTP runs per server")
    parser.add_argument("--http-runs", type=int, default=25, help="HTTP runs per server")
    parser.add_argument("--blksize", type=int, default=1468)  # what OVMF asks for
    default_client = "busybox" if shutil.which("busybox") else "tftpy"
    parser.add_argument("--tftp-client", choices=("busybox", "tftpy"), default=default_client)
    parser.add_argument("--only", choices=("tftp", "http"), help="run one protocol's half")
    args = parser.parse_args()
    missing = [tool for tool in ("in.tftpd", "nginx", "curl") if not shutil.which(tool)]
    if missing:
        install = "apt-get install tftpd-hpa nginx-light curl"
        raise SystemExit(f"missing {', '.join(missing)}: {install}")
    if os.geteuid() != 0:
        raise SystemExit("run as root: in.tftpd --secure chroots into its root")

    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bmpft-bootfiles-") as tmp_name:
        tmp = Path(tmp_name)
        root = tmp / "root"
        scratch = tmp / "scratch"
        for folder in (root, scratch, tmp / "nginx"):
            folder.mkdir()
        # tftpd-hpa and nginx's workers read the root as nobody.
        os.chmod(tmp, 0o755)  # noqa: S103
        os.chmod(root, 0o755)  # noqa: S103
        boot_file = root / FILE_NAME
        with open(boot_file, "wb") as file:
            for _ in range(args.size_mb):
                file.write(os.urandom(1 << 20))
        os.chmod(boot_file, 0o644)
        expected = sha256(boot_file)
        # Ours record each file handed out in Redis for the jobs' timelines, as in production.
        with private_redis(tmp):
            try:
                ports = {
                    "ours_tftp": free_port(socket.SOCK_DGRAM),
                    "hpa": free_port(socket.SOCK_DGRAM),
                    "ours_http": free_port(socket.SOCK_STREAM),
                    "nginx": free_port(socket.SOCK_STREAM),
                }
                python = sys.executable
                processes.append(
                    start(
                        [
                            *(python, "-m", "bmp_tftp", "--root", str(root), "--host", "127.0.0.1"),
                            *("--port", str(ports["ours_tftp"])),
                        ],
                        ports["ours_tftp"],
                        socket.SOCK_DGRAM,
                        "bmp_tftp",
                        tmp / "bmp_tftp.log",
                    )
                )
                processes.append(
                    start(
                        [
                            *("in.tftpd", "-L", "-s", "-u", "nobody"),
                            *("-a", f"127.0.0.1:{ports['hpa']}", str(root)),
                        ],
                        ports["hpa"],
                        socket.SOCK_DGRAM,
                        "in.tftpd",
                        tmp / "tftpd-hpa.log",
                    )
                )
                processes.append(
                    start(
                        [
                            *(python, "-m", "bmp_image", "--root", str(root)),
                            *("--bind", f"127.0.0.1:{ports['ours_http']}"),
                        ],
                        ports["ours_http"],
                        socket.SOCK_STREAM,
                        "bmp_image",
                        tmp / "bmp_image.log",
                    )
                )
                conf = tmp / "nginx" / "nginx.conf"
                nginx_conf = NGINX_CONF.format(tmp=tmp / "nginx", port=ports["nginx"], root=root)
                conf.write_text(nginx_conf)
                processes.append(
                    start(
                        ["nginx", "-p", str(tmp / "nginx"), "-c", str(conf), "-e", "stderr"],
                        ports["nginx"],
                        socket.SOCK_STREAM,
                        "nginx",
                        tmp / "nginx.log",
                    )
                )
                client = args.tftp_client
                print(f"file {args.size_mb} MiB; tftp client {client}, blksize {args.blksize}")
                skip = {"tftp": 0, "http": 0}
                if args.only:
                    skip[{"tftp": "http", "http": "tftp"}[args.only]] = 1
                tftp = compare(
                    "tftp",
                    {
                        "ours": lambda t: tftp_get(client, ports["ours_tftp"], args.blksize, t),
                        "tftpd-hpa": lambda t: tftp_get(client, ports["hpa"], args.blksize, t),
                    },
                    expected,
                    scratch,
                    0 if skip["tftp"] else args.runs,
                    {"ours": processes[0].pid, "tftpd-hpa": processes[1].pid},
                )
                http = compare(
                    "http",
                    {
                        "ours": lambda t: http_get(ports["ours_http"], t),
                        "nginx": lambda t: http_get(ports["nginx"], t),
                    },
                    expected,
                    scratch,
                    0 if skip["http"] else args.http_runs,
                    {"ours": processes[2].pid, "nginx": processes[3].pid},
                )
            finally:
                for process in reversed(processes):
                    stop(process)
            recorded = node_entries()
    size = args.size_mb
    result = {
        "size_mb": size,
        "tftp_ratio": round(tftp["tftpd-hpa"] / tftp["ours"], 3),
        "http_ratio": round(http["nginx"] / http["ours"], 3),
        "ours_tftp_mb_s": round(size / tftp["ours"], 1),
        "ours_http_mb_s": round(size / http["ours"], 1),
    }
    print(
        json.dumps(
            {
                "median_s": {"tftp": tftp, "http": http},
                "baseline_mb_s": {
                    "tftpd-hpa": round(size / tftp["tftpd-hpa"], 1),
                    "nginx": round(size / http["nginx"], 1),
                },
            }
        )
    )
    print(f"flight recorder: {recorded} files of ours in Redis")
    print(" ".join(f"{key}={value}" for key, value in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

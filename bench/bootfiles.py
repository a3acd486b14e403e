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
(not the best: on a shared machine the best of many runs measures luck, not the server)
(a 30 MiB HTTP transfer on loopback takes ~10 ms, so HTTP gets more runs against the noise of a
shared machine). Ends with one line:
``size_mb=30 tftp_ratio=… http_ratio=… ours_tftp_mb_s=… ours_http_mb_s=…``
(ratio = our median throughput / the baseline's median; MB = MiB). Targets: tftp_ratio >= 0.9,
http_ratio >= 0.95.
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
import time
from collections.abc import Callable
from pathlib import Path

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


def compare(
    label: str,
    fetchers: dict[str, Callable[[str], float]],
    expected: str,
    scratch: Path,
    runs: int,
) -> dict[str, float]:
    """Median time per server; the first download of each is checked against the file."""
    for name, fetch in fetchers.items():
        copy = scratch / f"{label}-{name}.bin"
        fetch(str(copy))
        if sha256(copy) != expected:
            raise SystemExit(f"{label} {name}: the downloaded bytes differ from the file")
        copy.unlink()
    times: dict[str, list[float]] = {name: [] for name in fetchers}
    for run in range(runs):
        for name, fetch in fetchers.items():
            seconds = fetch(os.devnull)
            times[name].append(seconds)
            print(f"{label} run {run + 1}: {name} {seconds:.3f} s", flush=True)
    if not runs:
        return {name: float("nan") for name in fetchers}
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
            conf.write_text(NGINX_CONF.format(tmp=tmp / "nginx", port=ports["nginx"], root=root))
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
            )
        finally:
            for process in reversed(processes):
                stop(process)
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
    print(" ".join(f"{key}={value}" for key, value in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

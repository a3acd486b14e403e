"""A client that vanishes mid-request no longer holds a gunicorn thread for good.

gunicorn runs in a network namespace of its own with one worker of one thread, configured by
``bmp_common.gunicorn_conf``. A client in a second namespace, over a veth pair, sends half a
request; the link goes down and the client dies, so its FIN never arrives: to the server the
peer simply vanished, like a powered-off server's LiveOS agent. Within the keepalive's 30 s the
thread is free and a request from inside the server's namespace is answered.

A client that stays connected and silent mid-request (slowloris) holds the thread until the
receive timeout, then the connection is closed and the thread answers others again.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from bmp_common import gunicorn_conf
from bmp_common.testing.ports import free_port
from bmp_common.testing.requirements import require_root, require_tools

APP = """
def application(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok " + body]
"""
SERVER, CLIENT = "10.211.0.1", "10.211.0.2"
PORT = 8000


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def namespaces():
    require_root("network namespaces and a veth pair")
    require_tools("ip", install="apt-get install iproute2")
    tag = uuid.uuid4().hex[:6]
    server, client = f"bmpgs{tag}", f"bmpgc{tag}"
    ip("netns", "add", server)
    ip("netns", "add", client)
    try:
        ip("link", "add", f"gs{tag}", "netns", server, "type", "veth", "peer", f"gc{tag}",
           "netns", client)  # fmt: skip
        for ns, dev, address in ((server, f"gs{tag}", SERVER), (client, f"gc{tag}", CLIENT)):
            ip("-n", ns, "address", "add", f"{address}/30", "dev", dev)
            ip("-n", ns, "link", "set", dev, "up")
            ip("-n", ns, "link", "set", "lo", "up")
        yield server, client, f"gs{tag}"
    finally:
        ip("netns", "del", client)
        ip("netns", "del", server)


def _get(ns: str, timeout: float) -> subprocess.CompletedProcess:
    code = (
        "import urllib.request; "
        f"print(urllib.request.urlopen('http://127.0.0.1:{PORT}/', timeout={timeout}).read())"
    )
    return subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout + 10,
    )


def test_a_vanished_client_frees_its_thread_within_the_keepalive(namespaces, tmp_path):
    server_ns, client_ns, server_dev = namespaces
    (tmp_path / "tiny_app.py").write_text(APP)
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    gunicorn = subprocess.Popen(
        ["ip", "netns", "exec", server_ns, sys.executable, "-m", "gunicorn", "tiny_app:application",
         "-c", "python:bmp_common.gunicorn_conf", "--bind", f"0.0.0.0:{PORT}",
         "--workers", "1", "--worker-class", "gthread", "--threads", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    half_request = (
        "import socket, time; s = socket.create_connection"
        f"(('{SERVER}', {PORT})); "
        "s.sendall(b'POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 10\\r\\n\\r\\n12'); "
        "print('sent', flush=True); time.sleep(600)"
    )
    client = None
    try:
        deadline = time.monotonic() + 30
        while _get(server_ns, 2).returncode != 0:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        client = subprocess.Popen(
            ["ip", "netns", "exec", client_ns, sys.executable, "-c", half_request],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert client.stdout.readline().strip() == "sent"
        time.sleep(1)  # the only thread now waits for the rest of the body
        assert _get(server_ns, 3).returncode != 0, "the thread was not held: nothing tested"

        ip("-n", server_ns, "link", "set", server_dev, "down")  # the client's FIN is lost
        client.kill()
        client.wait()
        began = time.monotonic()
        answer = _get(server_ns, gunicorn_conf.KEEPALIVE_IDLE_S + 30)
        waited = time.monotonic() - began

        assert answer.returncode == 0 and "ok" in answer.stdout, answer.stderr[-500:]
        assert waited < gunicorn_conf.KEEPALIVE_IDLE_S + 25, waited
    finally:
        if client is not None and client.poll() is None:
            client.kill()
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


def test_a_silent_client_frees_its_thread_after_the_read_timeout(tmp_path):
    (tmp_path / "tiny_app.py").write_text(APP)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "BMP_HTTP_READ_TIMEOUT": "3",
    }
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tiny_app:application",
         "-c", "python:bmp_common.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--worker-class", "gthread", "--threads", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port)) as silent:
            silent.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12")
            time.sleep(1)  # the only thread now waits for the rest of the body
            with pytest.raises(OSError):
                urllib.request.urlopen(url, timeout=1).read()  # held: something to free
            began = time.monotonic()
            answer = urllib.request.urlopen(url, timeout=15).read()
            waited = time.monotonic() - began
            assert answer == b"ok "
            assert waited < 8, waited
            assert silent.recv(100) == b""  # the silent client's connection was closed
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)

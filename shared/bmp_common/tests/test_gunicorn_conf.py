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

import datetime
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


def _self_signed(directory, name: str) -> bytes:
    """A certificate for 127.0.0.1 and its key, written to DIRECTORY/server.{pem,key}; its DER."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (directory / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (directory / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert.public_bytes(serialization.Encoding.DER)


def test_tls_connections_share_one_context_which_a_renewed_certificate_replaces(tmp_path):
    """One TLS context per worker: a client resumes its session on a new connection (a context
    per connection, as gunicorn makes by default, cannot), and a certificate written over the
    old one is presented from the next connection on, without a restart."""
    (tmp_path / "tiny_app.py").write_text(APP)
    first = _self_signed(tmp_path, "first")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tiny_app:application",
         "-c", "python:bmp_common.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
         "--certfile", str(tmp_path / "server.pem"), "--keyfile", str(tmp_path / "server.key"),
         "--workers", "1", "--worker-class", "gthread", "--threads", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    client = ssl.create_default_context()  # a session resumes only with the same context
    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE  # two certificates

    def fetch(session=None) -> tuple[bytes, ssl.SSLSession, bool]:
        """GET / over a new connection: the certificate presented, the TLS session (its
        tickets come with the answer in TLS 1.3) and whether it was resumed."""
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        with client.wrap_socket(raw, server_hostname="127.0.0.1", session=session) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = conn.recv(4096)
            assert answer.startswith(b"HTTP/1.1 200 OK"), answer
            return conn.getpeercert(binary_form=True), conn.session, conn.session_reused

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                one = fetch()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        certificate, session, resumed = one
        assert certificate == first and not resumed
        assert fetch(session=session)[2]  # resumed
        time.sleep(0.01)  # a later modification time, whatever the file system's resolution
        second = _self_signed(tmp_path, "second")
        assert fetch()[0] == second
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)

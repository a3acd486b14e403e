"""Fixtures: an in-process fleet on free ports, and small IPMI client helpers."""

from __future__ import annotations

import os
import secrets
import socket
import struct
import subprocess
import time

import pyipmi
import pyipmi.interfaces
import pytest

from bmp_lab.fleet import Fleet


@pytest.fixture
def password() -> str:
    return secrets.token_urlsafe(12)


@pytest.fixture
def fleet(password):
    with Fleet(3, base_port=0, username="admin", password=password) as running:
        yield running


def ipmitool(server, password: str, *args: str, timeout: float = 20) -> subprocess.CompletedProcess:
    """Run ipmitool lanplus against a lab BMC; the password goes through the environment (-E)."""
    command = ["ipmitool", "-I", "lanplus", "-H", server.bmc_address, "-p", str(server.bmc_port)]
    command += ["-U", "admin", "-E", "-R", "1", "-N", "1", *args]
    env = {**os.environ, "IPMI_PASSWORD": password}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def connect(server, password: str, *, cipher_suite: int | None = None, username: str = "admin"):
    """Open a python-ipmi RMCP+ session (it pings first, then tries suites 17 and 3)."""
    interface = pyipmi.interfaces.create_interface(
        "rmcpplus", keep_alive_interval=0, cipher_suite=cipher_suite
    )
    ipmi = pyipmi.create_connection(interface)
    ipmi.session.set_session_type_rmcp(server.bmc_address, port=server.bmc_port)
    ipmi.session.set_auth_type_user(username, password)
    ipmi.target = pyipmi.Target(ipmb_address=0x20)
    ipmi.open()
    return ipmi


ASF_PING = struct.pack("!BxBB", 0x06, 0xFF, 0x06) + struct.pack("!IBBxB", 4542, 0x80, 7, 0)


def asf_ping(server, timeout: float = 0.5) -> bytes | None:
    """Send one RMCP presence ping; return the raw answer or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(ASF_PING, (server.bmc_address, server.bmc_port))
        try:
            return sock.recv(512)
        except TimeoutError:
            return None


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()

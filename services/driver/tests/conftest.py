"""Fixtures: virtual BMCs of bmp_lab (real RMCP+ on 127.0.0.1 UDP ports) and fast policies."""

from __future__ import annotations

import secrets
import socket
import time

import pytest

from bmp_driver.actions import Timing
from bmp_driver.backends import make_backend
from bmp_driver.backends.base import BmcCredentials, CallPolicy
from bmp_lab.fleet import Fleet

FAST = CallPolicy(timeout=0.3, attempts=2, backoff=0.05, deadline=5)
QUICK_TIMING = Timing(soft_off_grace=0.4, confirm_timeout=3, poll_interval=0.05)


@pytest.fixture
def password() -> str:
    return secrets.token_urlsafe(12)


@pytest.fixture
def fleet(password):
    with Fleet(3, base_port=0, username="admin", password=password) as running:
        yield running


@pytest.fixture
def server(fleet):
    return fleet.nodes[0]


def credentials(server, password: str, *, username: str = "admin") -> BmcCredentials:
    return BmcCredentials(server.bmc_address, server.bmc_port, username, password)


@pytest.fixture(params=["native", "ipmitool"])
def interface(request) -> str:
    return request.param


@pytest.fixture
def backend(interface, server, password):
    """A backend of each kind for the first lab server."""
    return make_backend(interface, credentials(server, password), FAST)


@pytest.fixture
def silent_port():
    """A bound UDP port that never answers (a BMC that is down or firewalled)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()

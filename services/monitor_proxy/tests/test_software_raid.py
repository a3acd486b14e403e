"""The arrays of a heartbeat go to openapi when they change (and once per refresh period), never
what is not an array; a revocation makes the next report go again. The proxy's Redis is the
tests' redis-server; openapi is a real HTTP server that records what it is sent."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from bmp_common import env
from bmp_monitor_proxy.raid import RaidForwarder, parse_arrays

MIRROR = {
    "name": "md127",
    "level": "raid1",
    "devices": ["vda2"],
    "state": "active",
    "degraded": True,
    # what the agent adds and openapi does not take
    "failed": [],
    "spares": [],
    "wanted": 2,
    "up": 1,
    "sync": "",
}
SENT = {k: MIRROR[k] for k in ("name", "level", "devices", "state", "degraded")}


@pytest.fixture
def openapi():
    got = []

    class Openapi(http.server.BaseHTTPRequestHandler):
        status = 200

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            got.append((self.path, self.headers["Authorization"], body))
            self.send_response(Openapi.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Openapi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.got, server.handler = got, Openapi
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def forwarder(openapi):
    forwarder = RaidForwarder(
        openapi_url=f"http://127.0.0.1:{openapi.server_address[1]}",
        token="monitor-token",
        redis_url=env.redis_url(7),
        refresh_s=600,
    )
    forwarder.redis.flushdb()
    yield forwarder
    forwarder.redis.flushdb()


def test_what_openapi_takes_and_nothing_else():
    assert parse_arrays([MIRROR]) == [SENT]
    assert parse_arrays([]) == []
    assert parse_arrays(None) is None  # an agent without the field: nothing to forward
    for broken in (
        [{**MIRROR, "name": "sda"}],
        [{**MIRROR, "devices": ["vda 2"]}],
        [{**MIRROR, "degraded": "yes"}],
        [{**MIRROR, "level": 5}],
        ["md127"],
        {"md127": MIRROR},
    ):
        assert parse_arrays(broken) is None, broken


def test_forwarded_when_they_change_only(forwarder, openapi):
    assert forwarder.report("bmp-1", [SENT]) is True
    assert forwarder.report("bmp-1", [SENT]) is False  # every minute the same: once
    healthy = {**SENT, "devices": ["vda2", "vdb2"], "degraded": False}
    assert forwarder.report("bmp-1", [healthy]) is True
    assert forwarder.report("bmp-2", [SENT]) is True  # per instance

    assert [(path, auth) for path, auth, _ in openapi.got] == [
        ("/v1/offline/monitorAgent/softwareRaid", "Bearer monitor-token")
    ] * 3
    assert [body for _, _, body in openapi.got] == [
        {"instanceId": "bmp-1", "softwareRaid": [SENT]},
        {"instanceId": "bmp-1", "softwareRaid": [healthy]},
        {"instanceId": "bmp-2", "softwareRaid": [SENT]},
    ]
    assert 0 < forwarder.redis.ttl("bmp:monitor:raid:bmp-1") <= 600


def test_a_revocation_or_a_refusal_sends_them_again(forwarder, openapi):
    forwarder.report("bmp-1", [SENT])
    forwarder.forget("bmp-1")  # reinstalled: the new system's report goes to openapi
    assert forwarder.report("bmp-1", [SENT]) is True

    forwarder.forget("bmp-1")
    openapi.handler.status = 503
    assert forwarder.report("bmp-1", [SENT]) is False  # tried again with the next heartbeat
    openapi.handler.status = 200
    assert forwarder.report("bmp-1", [SENT]) is True
    assert len(openapi.got) == 4

"""A tiny agent gateway speaking the plan's protocol, to test the simulated agent against."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from bmp_common import cpio

DISK_SCRIPT = "#!ipxe\nsanboot --no-describe --drive 0x80 || exit\n"


class FakeGateway:
    """Hands out the queued steps of an SN as one plan, like the scheduler's gateway, and
    records everything it is sent. A result that answers a step out of order is ignored.
    The boot ticket goes out in agent.cpio, a fresh one per fetch (the one before dies) until
    an agent call presented it, and buys a session token in the answer of an agent call until
    that session token is used; then only the session token is good. Every request's source
    address is recorded (``sources``)."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}  # sn -> ticket; a node with one gets the LiveOS
        self.sessions: dict[str, str] = {}  # sn -> the session token handed out last
        self.sessions_used: set[str] = set()  # SNs whose ticket is dead
        self.tokens_sent: list[str] = []  # the token of every agent call, in order
        self.macs: dict[str, str] = {}  # mac -> sn
        self.sources: list[tuple[str, str]] = []  # (path, client address) of every request
        self.queued: dict[str, list[dict]] = {}
        self.handed: dict[str, list[dict]] = {}  # sn -> the plan's steps not reported yet
        self.scripts: list[str] = []
        self.heartbeats: list[dict] = []
        self.results: list[dict] = []
        self.reports: list[int] = []  # how many results each POST carried
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def expect(self, sn: str, mac: str, actions: list[str | tuple[str, dict]]) -> str:
        """Queues a plan for ``sn``: each step an action, or (action, params)."""
        token = uuid.uuid4().hex
        with self._lock:
            self.tokens[sn], self.macs[mac] = token, sn
            self.sessions.pop(sn, None)
            self.sessions_used.discard(sn)
            steps = [(step, {}) if isinstance(step, str) else step for step in actions]
            self.queued[sn] = [
                {"step_id": f"s-{n}", "attempt": 1, "action": action, "params": params}
                for n, (action, params) in enumerate(steps)
            ]
        return token

    def revoke(self, sn: str) -> None:
        with self._lock:
            self.tokens.pop(sn, None)
            self.sessions.pop(sn, None)

    # -- protocol ------------------------------------------------------------------------------
    def ipxe(self, mac: str) -> str:
        with self._lock:
            self.scripts.append(mac)
            sn = self.macs.get(mac)
            token = self.tokens.get(sn) if sn else None
        if not token:
            return DISK_SCRIPT
        return (
            "#!ipxe\n"
            f"kernel {self.url}/liveos/vmlinuz initrd=initramfs.gz initrd=bmp-agent.cpio "
            f"bmp.gateway={self.url} bmp.sn={sn} console=ttyS0\n"
            "initrd --name initramfs.gz http://127.0.0.1/liveos/initramfs.gz\n"
            f"initrd --name bmp-agent.cpio {self.url}/v1/boot/agent.cpio?mac={mac}\n"
            "boot\n"
        )

    def agent_cpio(self, mac: str) -> bytes | None:
        """The token archive with a fresh ticket (the one before dies) until the ticket is
        exchanged; None after."""
        with self._lock:
            sn = self.macs.get(mac)
            if sn not in self.tokens or sn in self.sessions:
                return None
            token = self.tokens[sn] = uuid.uuid4().hex
        return cpio.write(
            [
                cpio.directory("etc"),
                cpio.directory("etc/bmp", 0o700),
                cpio.regular_file("etc/bmp/agent-token", token.encode(), 0o600),
            ]
        )

    def _plan(self, sn: str) -> list[dict]:
        if not self.handed.get(sn):
            self.handed[sn], self.queued[sn] = self.queued.get(sn, []), []
        return list(self.handed[sn])

    def agent_call(self, path: str, body: dict) -> tuple[int, dict]:
        with self._lock:
            sn = body.get("sn")
            self.tokens_sent.append(body.get("token"))
            extra = self._check_token(sn, body.get("token"))
            if extra is None:
                return 401, {
                    "error": {"code": 401, "message": "bad token", "status": "Unauthorized"}
                }
            if path == "/v1/agent/heartbeat":
                self.heartbeats.append(body)
                return 200, {"result": {"steps": self._plan(sn), **extra}}
            if path != "/v1/agent/results":
                return 404, {"error": {"code": 404, "message": path, "status": "NotFound"}}
            self.reports.append(len(body.get("results") or []))
            recorded = 0
            for result in body.get("results") or []:
                handed = self.handed.get(sn) or []
                if not handed or handed[0]["step_id"] != result.get("step_id"):
                    break
                self.results.append(result)
                handed.pop(0)
                recorded += 1
            return 200, {"result": {"steps": self._plan(sn), "recorded": recorded, **extra}}

    def _check_token(self, sn: str | None, token: str | None) -> dict | None:
        """None: refused; else what the answer adds (a session token for the ticket)."""
        if not sn or not token or sn not in self.tokens:
            return None
        if token == self.sessions.get(sn):
            self.sessions_used.add(sn)
            return {}
        if token != self.tokens[sn] or sn in self.sessions_used:
            return None
        self.sessions[sn] = uuid.uuid4().hex
        return {"token": self.sessions[sn]}

    def _handler_class(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlsplit(self.path)
                gateway.sources.append((url.path, self.client_address[0]))
                mac = parse_qs(url.query).get("mac", [""])[0]
                if url.path == "/v1/boot/ipxe":
                    return self._send(200, gateway.ipxe(mac).encode(), "text/plain")
                if url.path == "/v1/boot/agent.cpio":
                    archive = gateway.agent_cpio(mac)
                    if archive is None:
                        return self._send(403, b"{}", "application/json")
                    return self._send(200, archive, "application/octet-stream")
                return self._send(404, b"", "text/plain")

            def do_POST(self):
                gateway.sources.append((self.path, self.client_address[0]))
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, answer = gateway.agent_call(self.path, body)
                answer["requestId"] = uuid.uuid4().hex
                self._send(status, json.dumps(answer).encode(), "application/json")

        return Handler

"""A tiny agent gateway speaking the plan's protocol, to test the simulated agent against."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DISK_SCRIPT = "#!ipxe\nsanboot --no-describe --drive 0x80 || exit\n"


class FakeGateway:
    """Hands out queued steps per SN, one at a time, and records everything it is sent."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}  # sn -> token; a node with a token gets the LiveOS
        self.macs: dict[str, str] = {}  # mac -> sn
        self.queued: dict[str, list[dict]] = {}
        self.running: dict[str, dict] = {}
        self.scripts: list[str] = []
        self.heartbeats: list[dict] = []
        self.results: list[dict] = []
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

    def expect(self, sn: str, mac: str, actions: list[str]) -> str:
        token = uuid.uuid4().hex
        with self._lock:
            self.tokens[sn], self.macs[mac] = token, sn
            self.queued[sn] = [
                {"step_id": f"s-{n}", "attempt": 1, "action": action, "params": {}}
                for n, action in enumerate(actions)
            ]
        return token

    def revoke(self, sn: str) -> None:
        with self._lock:
            self.tokens.pop(sn, None)

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
            f"kernel {self.url}/liveos/vmlinuz initrd=initramfs.gz bmp.gateway={self.url} "
            f"bmp.token={token} bmp.sn={sn} console=ttyS0\n"
            "initrd http://127.0.0.1/liveos/initramfs.gz\nboot\n"
        )

    def _next_step(self, sn: str) -> list[dict]:
        if sn in self.running or not self.queued.get(sn):
            return []
        step = self.queued[sn].pop(0)
        self.running[sn] = step
        return [step]

    def agent_call(self, path: str, body: dict) -> tuple[int, dict]:
        with self._lock:
            sn = body.get("sn")
            if not sn or self.tokens.get(sn) != body.get("token"):
                return 401, {
                    "error": {"code": 401, "message": "bad token", "status": "Unauthorized"}
                }
            if path == "/v1/agent/heartbeat":
                self.heartbeats.append(body)
                return 200, {"result": {"steps": self._next_step(sn)}}
            step = self.running.get(sn)
            if step is None or step["step_id"] != body.get("step_id"):
                return 200, {"result": {"steps": [], "ignored": True}}
            self.results.append(body)
            del self.running[sn]
            return 200, {"result": {"steps": self._next_step(sn)}}

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
                if url.path != "/v1/boot/ipxe":
                    return self._send(404, b"", "text/plain")
                mac = parse_qs(url.query).get("mac", [""])[0]
                self._send(200, gateway.ipxe(mac).encode(), "text/plain")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, answer = gateway.agent_call(self.path, body)
                answer["requestId"] = uuid.uuid4().hex
                self._send(status, json.dumps(answer).encode(), "application/json")

        return Handler

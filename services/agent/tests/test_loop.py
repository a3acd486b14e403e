"""The agent's loop against a tiny HTTPS gateway on 127.0.0.1 that implements the two endpoints
(a test double of the network peer, with a certificate of the gateway's CA): the boot ticket
exchanged for a session token, steps handed out, results posted, heartbeats with ``working`` and
``progress`` during a long step, backoff while the gateway is down, 401 stops."""

from __future__ import annotations

import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bmp_agent import steps
from bmp_agent.config import AgentConfig, load, parse_cmdline
from bmp_agent.context import StepContext
from bmp_agent.runner import Agent

# sha512-crypt of "hunter2-x": SetPassword takes nothing else.
HASH = (
    "$6$bmptestsalt$"
    "bGTPAxoEwXtJ6bz2ogoKo4324wuo0dUC2xQAY5IkvNW2/HdWeXyrn//1JFFPzhTq2lWPTc8FJHgSCsRpdhcrZ."
)


class Gateway:
    def __init__(self, queue: list[dict], tls: Path):
        """`tls`: a folder with gateway.pem and gateway.key (bmp_scheduler.tls)."""
        self.queue = queue
        self.heartbeats: list[dict] = []
        self.results: list[dict] = []
        self.revoke_after_results = None
        self.down_for = 0  # answer this many requests with 503
        self.lose_exchanges = 0  # this many answers to the ticket are lost on the way (503)
        self.tokens: list[str] = []  # the token of every request, in order
        self.sessions: list[str] = []  # the session tokens handed out; the last one is good
        self.session_used = False
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                code, answer = gateway.answer(self.path, body)
                raw = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls / "gateway.pem", tls / "gateway.key")
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def check_token(self, body: dict) -> tuple[bool, dict]:
        """As the scheduler's gateway does: the ticket ("tok-1") buys a fresh session token
        until the last one handed out was used; then only that one is good. (good, extra)"""
        token = body.get("token")
        self.tokens.append(token)
        if self.sessions and token == self.sessions[-1]:
            self.session_used = True
            return True, {}
        if token != "tok-1" or self.session_used:
            return False, {}
        self.sessions.append(f"sess-{len(self.sessions) + 1}")
        return True, {"token": self.sessions[-1]}

    def answer(self, path: str, body: dict):
        if self.down_for:
            self.down_for -= 1
            return 503, {}
        good, extra = self.check_token(body)
        if not good:
            return 401, {"error": "bad token"}
        if extra and self.lose_exchanges:
            self.lose_exchanges -= 1
            return 503, {}  # the session token was issued, its answer never arrives
        if self.revoke_after_results is not None and len(self.results) >= self.revoke_after_results:
            return 401, {"error": "revoked"}
        if path == "/v1/agent/result":
            self.results.append(body)
        else:
            self.heartbeats.append(body)
            if "working" in body:
                return 200, {"result": {"steps": [], **extra}}
        steps_now = [self.queue.pop(0)] if self.queue else []
        return 200, {"result": {"steps": steps_now, **extra}}


def slow_step(params, ctx):
    ctx.progress.start(1000)
    for _ in range(10):
        time.sleep(0.05)
        ctx.progress.add(100)
    return {"done": True}


def run_agent(gateway: Gateway, tmp_path, ca: Path, **config) -> Agent:
    cfg = AgentConfig(
        gateway=gateway.url, token="tok-1", sn="SN-1", gateway_ca=ca, heartbeat_s=0.05, **config
    )
    agent = Agent(cfg, StepContext(target_root=tmp_path / "t", work_dir=tmp_path / "w", disks=[]))
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    return agent, thread


@pytest.fixture
def slow(monkeypatch):
    monkeypatch.setitem(steps.ACTIONS, "SlowTestStep", slow_step)


def test_steps_results_progress_and_revocation(tmp_path, slow, caplog, certs):
    queue = [
        {"step_id": 1, "attempt": 1, "action": "Ping", "params": {}},
        {"step_id": 2, "attempt": 1, "action": "SlowTestStep", "params": {}},
        {"step_id": 3, "attempt": 2, "action": "NoSuchAction", "params": {}},
        {"step_id": 4, "attempt": 1, "action": "SetPassword", "params": {"password_hash": HASH}},
    ]
    gateway = Gateway(queue, certs.ours)
    gateway.down_for = 2  # the first two requests fail: the agent backs off and retries
    gateway.revoke_after_results = 4
    agent, thread = run_agent(gateway, tmp_path, certs.ca)
    thread.join(timeout=20)
    assert not thread.is_alive() and agent.revoked

    got = [(r["step_id"], r["attempt"], r["status"], r["error"]) for r in gateway.results]
    assert got == [
        (1, 1, "ok", None),
        (2, 1, "ok", None),
        (3, 2, "failed", "UNKNOWN_ACTION"),
        (4, 1, "failed", "TARGET_NOT_INSTALLED"),
    ]
    assert gateway.results[1]["data"] == {"done": True}
    assert all(r["sn"] == "SN-1" and r["token"] == "sess-1" for r in gateway.results)
    working = [h for h in gateway.heartbeats if h.get("working") == {"step_id": 2, "attempt": 1}]
    progress = [h["progress"] for h in working if "progress" in h]
    assert progress and all(p["total"] == 1000 for p in progress)
    assert progress == sorted(progress, key=lambda p: p["bytes"]) and progress[-1]["bytes"] > 0
    assert HASH not in caplog.text and "tok-1" not in caplog.text and "sess-" not in caplog.text


class PlanGateway(Gateway):
    """Hands the whole queue as one plan; a result's answer is the plan's rest, none after a
    failure (the failed step backs off), as the scheduler's gateway does."""

    def __init__(self, queue: list[dict], tls: Path):
        super().__init__([], tls)
        self.plan = queue

    def answer(self, path: str, body: dict):
        good, extra = self.check_token(body)
        if not good:
            return 401, {"error": "bad token"}
        if path == "/v1/agent/result":
            self.results.append(body)
            rest = [step for step in self.plan if step["step_id"] > body["step_id"]]
            return 200, {"result": {"steps": rest if body["status"] == "ok" else [], **extra}}
        self.heartbeats.append(body)
        return 200, {"result": {"steps": self.plan if not self.results else [], **extra}}


def test_a_failed_step_ends_the_plan_the_rest_is_not_run(tmp_path, certs):
    gateway = PlanGateway(
        [
            {"step_id": 1, "attempt": 1, "action": "Ping", "params": {}},
            {"step_id": 2, "attempt": 1, "action": "NoSuchAction", "params": {}},
            {"step_id": 3, "attempt": 1, "action": "Ping", "params": {}},
        ],
        certs.ours,
    )
    agent, thread = run_agent(gateway, tmp_path, certs.ca)
    time.sleep(0.5)
    agent.stop.set()
    thread.join(timeout=5)
    assert [(r["step_id"], r["status"]) for r in gateway.results] == [(1, "ok"), (2, "failed")]
    assert len(gateway.heartbeats) >= 3  # idle again after the failure: it asks, gets nothing


def test_idle_agent_heartbeats_and_stops_on_request(tmp_path, certs):
    gateway = Gateway([], certs.ours)
    session_file = tmp_path / "run" / "bmp" / "agent-session"
    agent, thread = run_agent(gateway, tmp_path, certs.ca, session_file=session_file)
    time.sleep(0.5)
    agent.stop.set()
    thread.join(timeout=5)
    assert len(gateway.heartbeats) >= 3
    assert all("working" not in h for h in gateway.heartbeats)
    # One boot id for the whole run of the agent, another for the next run.
    (boot_id,) = {h["boot_id"] for h in gateway.heartbeats}
    first_run = len(gateway.heartbeats)
    again, thread = run_agent(gateway, tmp_path, certs.ca, session_file=session_file)
    time.sleep(0.2)
    again.stop.set()
    thread.join(timeout=5)
    assert len(boot_id) == 16 and gateway.heartbeats[-1]["boot_id"] != boot_id
    # The restarted agent carries on with the session token it kept: the ticket is dead.
    assert not again.revoked
    assert {h["token"] for h in gateway.heartbeats[first_run:]} == {"sess-1"}


def test_the_ticket_is_sent_until_an_answer_gives_the_session_token(tmp_path, certs, caplog):
    gateway = Gateway([{"step_id": 1, "attempt": 1, "action": "Ping", "params": {}}], certs.ours)
    session_file = tmp_path / "run" / "bmp" / "agent-session"
    agent, thread = run_agent(gateway, tmp_path, certs.ca, session_file=session_file)
    time.sleep(0.5)
    agent.stop.set()
    thread.join(timeout=5)

    assert gateway.tokens[0] == "tok-1" and len(gateway.tokens) >= 3
    assert set(gateway.tokens[1:]) == {"sess-1"}  # the result and every heartbeat after
    assert [(r["step_id"], r["token"]) for r in gateway.results] == [(1, "sess-1")]
    assert session_file.read_text() == "sess-1"
    assert session_file.stat().st_mode & 0o777 == 0o600
    assert session_file.parent.stat().st_mode & 0o777 == 0o700
    assert "sess-1" not in caplog.text and "tok-1" not in caplog.text


def test_a_lost_answer_to_the_ticket_does_not_strand_the_agent(tmp_path, certs):
    """The gateway issued a session token whose answer never arrived: the agent presents the
    ticket again and works with the session token it does get."""
    gateway = Gateway([{"step_id": 1, "attempt": 1, "action": "Ping", "params": {}}], certs.ours)
    gateway.lose_exchanges = 2
    agent, thread = run_agent(gateway, tmp_path, certs.ca)
    time.sleep(3)  # two back-offs (0.5 s, 1 s), then the exchange that arrives
    agent.stop.set()
    thread.join(timeout=5)

    assert gateway.tokens[:3] == ["tok-1"] * 3
    assert set(gateway.tokens[3:]) == {"sess-3"} and not agent.revoked
    assert agent.results == [("Ping", "ok", None)]


def test_cmdline_identity(tmp_path, certs):
    cmdline = tmp_path / "cmdline"
    cmdline.write_text(
        "initrd=initrd.img console=ttyS0 bmp.gateway=https%3A//10.0.0.1%3A8813 "
        "bmp.image=http://10.0.0.1:10000\n"
    )
    token_file = tmp_path / "agent-token"
    token_file.write_text("a+b=c")
    sys_root = tmp_path / "sys"
    (sys_root / "class/dmi/id").mkdir(parents=True)
    (sys_root / "class/dmi/id/product_serial").write_text("DMI-SERIAL-9\n")
    nic = sys_root / "class/net/eth0"
    (nic / "device").mkdir(parents=True)
    (nic / "address").write_text("52:54:00:AA:BB:CC\n")
    (sys_root / "class/net/lo").mkdir()
    config = load(cmdline, sys_root, token_file=token_file, gateway_ca=certs.ca)
    assert (config.gateway, config.token, config.sn) == (
        "https://10.0.0.1:8813",
        "a+b=c",
        "DMI-SERIAL-9",
    )
    assert config.macs == ("52:54:00:aa:bb:cc",) and config.image_host == "http://10.0.0.1:10000"
    assert "a+b=c" not in repr(config)
    assert parse_cmdline("bmp.sn=X1 bmp.gateway=https://g")["sn"] == "X1"

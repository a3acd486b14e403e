"""The agent's loop against a tiny HTTPS gateway on 127.0.0.1 that implements the heartbeat and
``/v1/agent/results`` (a test double of the network peer, with a certificate of the gateway's
CA): the boot ticket exchanged for a session token, plans handed out, results of quick steps in
one request, a failure ending the plan, a lost answer sent again, heartbeats with ``working`` and
``progress`` during a long step, backoff while the gateway is down, 401 stops."""

from __future__ import annotations

import itertools
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
        self.results: list[dict] = []  # every result recorded, in order
        self.reports: list[dict] = []  # the body of every results request, in order
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
        if path == "/v1/agent/results":
            self.reports.append(body)
            self.results.extend(body["results"])
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
    assert all(r["sn"] == "SN-1" and r["token"] == "sess-1" for r in gateway.reports)
    working = [h for h in gateway.heartbeats if h.get("working") == {"step_id": 2, "attempt": 1}]
    progress = [h["progress"] for h in working if "progress" in h]
    assert progress and all(p["total"] == 1000 for p in progress)
    assert progress == sorted(progress, key=lambda p: p["bytes"]) and progress[-1]["bytes"] > 0
    assert HASH not in caplog.text and "tok-1" not in caplog.text and "sess-" not in caplog.text


class PlanGateway(Gateway):
    """The scheduler's gateway in small: hands the chain from its running step as one plan, to
    an idle agent and in every answer to results; records results in order, stopping at the
    first that is not the running step's attempt (a repeat) and after a failure, which ends the
    plan (the chain would retry it later: nothing is handed out here)."""

    def __init__(self, chain: list[dict], tls: Path):
        super().__init__([], tls)
        self.chain = chain
        self.running = 0  # the index of the running step in the chain
        self.failed = False
        self.lose_answers = 0  # this many answers to results are lost after recording (503)

    def plan(self) -> list[dict]:
        return [] if self.failed else self.chain[self.running :]

    def answer(self, path: str, body: dict):
        good, extra = self.check_token(body)
        if not good:
            return 401, {"error": "bad token"}
        if path != "/v1/agent/results":
            self.heartbeats.append(body)
            return 200, {"result": {"steps": [] if "working" in body else self.plan(), **extra}}
        self.reports.append(body)
        recorded = 0
        for result in body["results"]:
            due = self.plan()[:1]
            if not due or (result["step_id"], result["attempt"]) != (
                due[0]["step_id"],
                due[0]["attempt"],
            ):
                break  # a repeat, or ahead of the chain: this and the rest are ignored
            self.results.append(result)
            recorded += 1
            if result["status"] != "ok":
                self.failed = True
                break
            self.running += 1
        if self.lose_answers:
            self.lose_answers -= 1
            return 503, {}  # recorded; the answer never arrives
        return 200, {"result": {"steps": self.plan(), "recorded": recorded, **extra}}


def step(step_id: int, action: str = "Ping", attempt: int = 1) -> dict:
    return {"step_id": step_id, "attempt": attempt, "action": action, "params": {}}


def run_until(agent: Agent, thread: threading.Thread, done, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.02)
    agent.stop.set()
    thread.join(timeout=5)
    assert done() and not thread.is_alive()


def reported(gateway: Gateway) -> list[list[tuple[int, int, str]]]:
    """Each results request as (step_id, attempt, status) of its results."""
    return [
        [(r["step_id"], r["attempt"], r["status"]) for r in b["results"]] for b in gateway.reports
    ]


def test_quick_steps_are_reported_in_one_request_with_the_plans_attempts(tmp_path, certs):
    gateway = PlanGateway([step(1), step(2, attempt=3), step(3, attempt=2)], certs.ours)
    agent, thread = run_agent(gateway, tmp_path, certs.ca)
    run_until(agent, thread, lambda: len(gateway.results) == 3)

    assert reported(gateway) == [[(1, 1, "ok"), (2, 3, "ok"), (3, 2, "ok")]]
    assert gateway.reports[0]["token"] == "sess-1" and gateway.reports[0]["sn"] == "SN-1"
    assert agent.results == [("Ping", "ok", None)] * 3


def test_a_failure_ends_the_batch_is_reported_and_the_rest_is_not_run(tmp_path, certs):
    gateway = PlanGateway([step(1), step(2, "NoSuchAction", 2), step(3)], certs.ours)
    agent, thread = run_agent(gateway, tmp_path, certs.ca)
    run_until(agent, thread, lambda: gateway.failed and len(gateway.heartbeats) >= 3)

    assert reported(gateway) == [[(1, 1, "ok"), (2, 2, "failed")]]
    assert gateway.results[1]["error"] == "UNKNOWN_ACTION"
    assert "NoSuchAction" in gateway.results[1]["data"]["message"]
    # Step 3 never ran: the agent went idle and asked again (the chain decides what comes).
    assert agent.results == [("Ping", "ok", None), ("NoSuchAction", "failed", "UNKNOWN_ACTION")]


def test_a_lost_answer_is_sent_again_as_it_was_and_no_step_runs_twice(tmp_path, certs):
    gateway = PlanGateway([step(1), step(2), step(3, attempt=2)], certs.ours)
    gateway.lose_answers = 1
    # No window: each result goes alone, so the repeat could have been merged with the next.
    agent, thread = run_agent(gateway, tmp_path, certs.ca, report_window_s=0.0)
    run_until(agent, thread, lambda: len(gateway.results) == 3)

    assert reported(gateway) == [[(1, 1, "ok")], [(1, 1, "ok")], [(2, 1, "ok")], [(3, 2, "ok")]]
    assert gateway.reports[0] == gateway.reports[1]  # the same request again
    assert agent.results == [("Ping", "ok", None)] * 3  # each step ran once


def test_a_result_waits_for_the_window_not_for_a_long_step(tmp_path, slow, certs):
    """Step 1's result goes while the slow step 2 runs (the gateway must see 2 begin: its
    deadline and its progress); 2 and the quick 3 after it travel together."""
    gateway = PlanGateway([step(1), step(2, "SlowTestStep"), step(3)], certs.ours)
    agent, thread = run_agent(gateway, tmp_path, certs.ca, report_window_s=0.1)
    run_until(agent, thread, lambda: len(gateway.results) == 3)

    assert reported(gateway) == [[(1, 1, "ok")], [(2, 1, "ok"), (3, 1, "ok")]]
    first_working = next(i for i, h in enumerate(gateway.heartbeats) if "working" in h)
    assert gateway.heartbeats[first_working]["working"] == {"step_id": 2, "attempt": 1}
    assert gateway.results[1]["data"] == {"done": True}


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


def test_an_unreachable_gateway_is_retried_well_within_the_silence_allowed(tmp_path, certs):
    """Backing off 0.5, 1, 2, 4… s, an agent would stay quiet past a short silence allowed
    (``bmp.silence``) and its live server be given up: retries stay under a quarter of it."""
    gateway = Gateway([], certs.ours)
    gateway.down_for = 6
    seen: list[float] = []
    answer = gateway.answer

    def timed(path, body):
        seen.append(time.monotonic())
        return answer(path, body)

    gateway.answer = timed
    agent, thread = run_agent(gateway, tmp_path, certs.ca, silence_s=2.0)
    time.sleep(3.5)
    agent.stop.set()
    thread.join(timeout=5)

    gaps = [later - earlier for earlier, later in itertools.pairwise(seen)]
    assert len(gateway.heartbeats) >= 3, seen  # it came back once the gateway did
    assert max(gaps[:6]) < 0.5 + 0.3, gaps  # 0.5 s at most between tries (2 s / 4)


def test_the_ticket_is_sent_until_an_answer_gives_the_session_token(tmp_path, certs, caplog):
    gateway = Gateway([{"step_id": 1, "attempt": 1, "action": "Ping", "params": {}}], certs.ours)
    session_file = tmp_path / "run" / "bmp" / "agent-session"
    agent, thread = run_agent(gateway, tmp_path, certs.ca, session_file=session_file)
    time.sleep(0.5)
    agent.stop.set()
    thread.join(timeout=5)

    assert gateway.tokens[0] == "tok-1" and len(gateway.tokens) >= 3
    assert set(gateway.tokens[1:]) == {"sess-1"}  # the result and every heartbeat after
    assert [(r["step_id"], r["status"]) for r in gateway.results] == [(1, "ok")]
    assert [b["token"] for b in gateway.reports] == ["sess-1"]
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
        "bmp.image=http://10.0.0.1:10000 bmp.report_window=0.2 bmp.silence=20\n"
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
    assert (config.report_window_s, config.silence_s) == (0.2, 20.0)
    assert "a+b=c" not in repr(config)
    assert parse_cmdline("bmp.sn=X1 bmp.gateway=https://g")["sn"] == "X1"

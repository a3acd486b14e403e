"""The agent's loop: heartbeat while idle, run the plan it is handed in order, report results.

The gateway hands a plan: the running step and the agent steps after it, each with the attempt
it will have. The agent runs them in order and reports their results through
``POST /v1/agent/results``, several in one request when they finish within
``AgentConfig.report_window_s`` of each other (as the lab's simulated agent does): a finished
step's result waits that long for the next ones, then goes, even while the next step still runs
(the gateway must see that step begin: its deadline and its progress display are the running
step's). A failed step is reported at once and ends the plan: the steps after it are not run, the
chain decides (a retry, another plan). Every answer is the plan from there on.

A report whose answer is lost is sent again as it was, never merged with later results: the
gateway ignores a repeated result (and, in a request, everything after it), and hands out the
plan from the step the first delivery began, so no step runs twice.

While a step runs a thread keeps heartbeating with ``working`` (and ``progress`` for long
writes), so the scheduler knows the agent is alive and shows bytes written; the same thread sends
the held results when their window closes. Network errors back off (doubling up to
``MAX_BACKOFF_S``), and so does a gateway whose certificate does not verify (nothing is sent to
it); a 401 stops the agent. Nothing the gateway answers (the plan, its parameters) is logged.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from bmp_agent import steps
from bmp_agent.config import AgentConfig
from bmp_agent.context import StepContext
from bmp_agent.gateway import (
    GatewayClient,
    GatewayRefused,
    GatewayUnavailable,
    GatewayUntrusted,
    TokenRevoked,
)

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 30.0


def _same_attempt(one: dict, other: dict) -> bool:
    return (one.get("step_id"), one.get("attempt")) == (other.get("step_id"), other.get("attempt"))


class Backoff:
    def __init__(self, first: float = 0.5, most: float = MAX_BACKOFF_S) -> None:
        self.first, self.most, self.current = first, most, first

    def next(self) -> float:
        delay, self.current = self.current, min(self.current * 2, self.most)
        return delay

    def reset(self) -> None:
        self.current = self.first


@dataclass
class _Held:
    """Results finished and not sent yet, oldest first; ``since``: when the oldest finished.
    ``answer``: the plan the gateway answered when the heartbeat thread sent them mid-step.
    The heartbeat thread touches it only while a step runs, the loop only between steps."""

    results: list[dict] = field(default_factory=list)
    since: float = 0.0
    answer: list[dict] | None = None


class Agent:
    def __init__(self, config: AgentConfig, ctx: StepContext, client: GatewayClient | None = None):
        self.config = config
        self.ctx = ctx
        self.client = client or GatewayClient(config)
        self.stop = threading.Event()
        self.revoked = False
        self.results: list[tuple[str, str, str | None]] = []  # (action, status, error): for tests

    def run(self) -> str:
        """Runs until stopped or the token is revoked; returns why it ended."""
        log.info(
            "agent of %s (MACs %s) talking to %s",
            self.config.sn,
            ",".join(self.config.macs),
            self.config.gateway,
        )
        backoff = self._backoff()
        pending: list[dict] = []
        try:
            while not self.stop.is_set():
                if not pending:
                    try:
                        pending = self.client.heartbeat()
                        backoff.reset()
                    except (GatewayUnavailable, GatewayRefused) as exc:
                        # Never the answer or the request: they hold the plan and the token.
                        failed = log.error if isinstance(exc, GatewayUntrusted) else log.warning
                        failed("heartbeat failed: %s", exc)
                        self.stop.wait(backoff.next())
                        continue
                    if not pending:
                        self.stop.wait(self.config.heartbeat_s)
                        continue
                # The last answer is the plan from there on: [] after a failure (it backs off).
                pending = self._run_plan(pending)
        except TokenRevoked:
            self.revoked = True
            log.warning("the gateway revoked this agent's token: stopping")
            return "revoked"
        return "stopped"

    def _backoff(self) -> Backoff:
        # Retries of an unreachable gateway stay well inside the silence the scheduler allows:
        # an agent that backed off past it would have its server given up while alive.
        return Backoff(most=min(MAX_BACKOFF_S, self.config.silence_s / 4))

    def _run_plan(self, plan: list[dict]) -> list[dict]:
        """Run ``plan`` in order, reporting as the module says; the gateway's last answer."""
        held = _Held()
        while plan and not self.stop.is_set():
            step = plan.pop(0)
            result = self._run_step(step, held)
            if held.answer is not None:  # the earlier results went while this step ran
                answer, held.answer = held.answer, None
                # The plan from this step on; else the chain is elsewhere (a cancelled job):
                # this result goes at once and its answer decides.
                plan = answer[1:] if answer and _same_attempt(answer[0], step) else []
            if not held.results:
                held.since = time.monotonic()
            held.results.append(result)
            window_closed = time.monotonic() - held.since >= self.config.report_window_s
            if result["status"] != "ok" or not plan or window_closed:
                plan = self._report(held)
        if held.results:  # stopped between steps: what ran is still reported
            self._report(held)
        return plan

    def _run_step(self, step: dict, held: _Held) -> dict:
        """Run one step (a thread heartbeats meanwhile and sends ``held`` when its window
        closes); its result as the gateway takes it, with the plan's attempt."""
        action = str(step.get("action", ""))
        log.info("step %s attempt %s: %s", step.get("step_id"), step.get("attempt"), action)
        beat_stop = threading.Event()
        beater = threading.Thread(
            target=self._beat_while_working,
            args=(step, beat_stop, held),
            name="bmp-agent-heartbeat",
            daemon=True,
        )
        beater.start()
        try:
            status, data, error = steps.run_step(action, dict(step.get("params") or {}), self.ctx)
        finally:
            beat_stop.set()
            beater.join()
        log.info("step %s %s: %s %s", step.get("step_id"), action, status, error or "")
        self.results.append((action, status, error))
        if self.revoked:
            raise TokenRevoked()
        return {
            "step_id": step["step_id"],
            "attempt": step["attempt"],
            "status": status,
            "data": data,
            "error": error,
        }

    def _report(self, held: _Held) -> list[dict]:
        """Send the held results until delivered; the gateway's answer (the next plan)."""
        batch, held.results = held.results, []
        ids = ",".join(str(result["step_id"]) for result in batch)
        backoff = self._backoff()
        while True:  # never dropped for a network error; the same batch again, as it was
            try:
                return self.client.results(batch)
            except GatewayUnavailable as exc:
                log.warning("results of steps %s not delivered: %s", ids, exc)
                if self.stop.wait(backoff.next()):
                    return []
            except GatewayRefused as exc:
                log.error("the gateway refused the results of steps %s: %s", ids, exc)
                return []

    def _beat_while_working(self, step: dict, done: threading.Event, held: _Held) -> None:
        working = {"step_id": step["step_id"], "attempt": step["attempt"]}
        next_beat = time.monotonic() + self.config.heartbeat_s
        while True:
            due = next_beat
            if held.results:
                due = min(due, held.since + self.config.report_window_s)
            if done.wait(max(0.0, due - time.monotonic())):
                return
            try:
                if held.results and time.monotonic() >= held.since + self.config.report_window_s:
                    held.answer = self._report(held)
                    continue
                next_beat = time.monotonic() + self.config.heartbeat_s
                self.client.heartbeat(working=working, progress=self.ctx.progress.snapshot())
            except TokenRevoked:
                self.revoked = True  # the step finishes; the agent stops after it
                return
            except (GatewayUnavailable, GatewayRefused) as exc:
                log.info("working heartbeat failed: %s", exc)

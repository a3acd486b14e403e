"""The agent's loop: heartbeat while idle, run the steps it is handed in order, post each result.

The gateway hands a plan (the running step and the agent steps after it); every result's answer
is the plan from there on, so a failed step ends the plan here and the agent asks again later.

While a step runs a thread keeps heartbeating with ``working`` (and ``progress`` for long
writes), so the scheduler knows the agent is alive and shows bytes written. Network errors back
off (doubling up to ``MAX_BACKOFF_S``), and so does a gateway whose certificate does not verify
(nothing is sent to it); a 401 stops the agent. Nothing the gateway answers (the plan, its
parameters) is logged.
"""

from __future__ import annotations

import logging
import threading

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


class Backoff:
    def __init__(self, first: float = 0.5, most: float = MAX_BACKOFF_S) -> None:
        self.first, self.most, self.current = first, most, first

    def next(self) -> float:
        delay, self.current = self.current, min(self.current * 2, self.most)
        return delay

    def reset(self) -> None:
        self.current = self.first


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
        backoff = Backoff()
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
                # The answer is the plan from here on: [] after a failed step (it backs off).
                pending = self._run_and_report(pending.pop(0))
        except TokenRevoked:
            self.revoked = True
            log.warning("the gateway revoked this agent's token: stopping")
            return "revoked"
        return "stopped"

    def _run_and_report(self, step: dict) -> list[dict]:
        action = str(step.get("action", ""))
        log.info("step %s attempt %s: %s", step.get("step_id"), step.get("attempt"), action)
        beat_stop = threading.Event()
        beater = threading.Thread(
            target=self._beat_while_working,
            args=(step, beat_stop),
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
        backoff = Backoff()
        while not self.stop.is_set():  # a result is never dropped for a network error
            try:
                return self.client.result(step, status, data, error)
            except GatewayUnavailable as exc:
                log.warning("result of step %s not delivered: %s", step.get("step_id"), exc)
                self.stop.wait(backoff.next())
            except GatewayRefused as exc:
                log.error("the gateway refused the result of step %s: %s", step.get("step_id"), exc)
                return []
        return []

    def _beat_while_working(self, step: dict, done: threading.Event) -> None:
        working = {"step_id": step["step_id"], "attempt": step["attempt"]}
        while not done.wait(self.config.heartbeat_s):
            try:
                self.client.heartbeat(working=working, progress=self.ctx.progress.snapshot())
            except TokenRevoked:
                self.revoked = True  # the step finishes; the agent stops after it
            except (GatewayUnavailable, GatewayRefused) as exc:
                log.info("working heartbeat failed: %s", exc)

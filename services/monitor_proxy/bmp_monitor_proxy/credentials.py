"""Whose agent is calling: the credential is checked with openapi once, then trusted from an
in-process cache until openapi publishes its revocation (reinstall, delete, reissue) or the
entry expires. A refused credential is never cached: the next request asks again."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import redis

from bmp_common.json_wsgi import HttpError
from bmp_common.monitoring import AGENT_REVOKED_CHANNEL

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Agent:
    instance_id: str
    sn: str


class CredentialCache:
    def __init__(self, *, openapi_url: str, token: str, ttl_s: int, clock=time.monotonic):
        self.openapi_url = openapi_url
        self.token = token
        self.ttl_s = ttl_s
        self.clock = clock
        self._entries: dict[tuple[str, str], tuple[Agent, float]] = {}
        self._lock = threading.Lock()
        self.checks = 0  # how many times openapi was asked (tests, bench)

    def agent(self, *, sn: str, credential: str) -> Agent:
        """The agent ``credential`` belongs to, reporting from ``sn``; 401 otherwise."""
        if not sn or not credential:
            raise HttpError(401, "an agent reports with its SN and credential")
        key = (sn, hashlib.sha256(credential.encode()).hexdigest())
        now = self.clock()
        with self._lock:
            found = self._entries.get(key)
        if found is not None and found[1] > now:
            return found[0]
        agent = self._check(sn, credential)
        with self._lock:
            self._entries[key] = (agent, now + self.ttl_s)
        return agent

    def forget(self, *, instance_id: str = "", sn: str = "") -> None:
        with self._lock:
            for key, (agent, _) in list(self._entries.items()):
                if agent.instance_id == instance_id or key[0] == sn:
                    del self._entries[key]

    def forget_all(self) -> None:
        with self._lock:
            self._entries.clear()

    def _check(self, sn: str, credential: str) -> Agent:
        self.checks += 1
        body = json.dumps({"sn": sn, "credential": credential}).encode()
        request = urllib.request.Request(  # noqa: S310 (http(s) from the configuration)
            f"{self.openapi_url}/v1/offline/monitorAgent/check",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
                found = json.loads(answer.read())["result"]["instance"]
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                raise HttpError(401, "the agent's credential is not valid") from None
            log.warning("openapi answered %s to a credential check", exc.code)
            raise HttpError(503, "openapi cannot check the credential now") from None
        except (OSError, ValueError, KeyError) as exc:
            log.warning("openapi unreachable for a credential check: %s", type(exc).__name__)
            raise HttpError(503, "openapi cannot check the credential now") from None
        return Agent(instance_id=found["instanceId"], sn=found["sn"])


def listen_for_revocations(
    cache: CredentialCache, redis_url: str, on_revoked=None
) -> threading.Thread:
    """A daemon thread applying openapi's revocations to ``cache`` (reconnects on errors);
    ``on_revoked(instance_id)`` too, when given."""

    def run():
        while True:
            try:
                client = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(AGENT_REVOKED_CHANNEL)
                for message in pubsub.listen():
                    instance_id, _, sn = message["data"].decode().partition(" ")
                    cache.forget(instance_id=instance_id, sn=sn)
                    if on_revoked is not None:
                        on_revoked(instance_id)
                    log.info("agent credential of %s revoked", instance_id)
            except (redis.RedisError, OSError) as exc:
                log.warning("revocations not heard (%s): retrying", type(exc).__name__)
                # Whatever was revoked meanwhile must not stay trusted.
                cache.forget_all()
                time.sleep(2)

    thread = threading.Thread(target=run, name="agent-revocations", daemon=True)
    thread.start()
    return thread

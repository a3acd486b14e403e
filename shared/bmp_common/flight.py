"""The flight recorder: what happened to a server during one job, for people to read afterwards.

Kept in the shared Redis (the cache database), not in a service's database, for the reason
``bmp_common.progress`` gives: the writers are many processes of several services (scheduler,
gateway, DHCP server, TFTP, HTTP), some of them on the hot path of thousands of servers
(heartbeats, packets), and a row per event in a database would put each of them behind its
write lock. A Redis list push costs one round trip and takes no lock anyone else waits for.
Losing Redis loses only this record, never a job's state; every write swallows its error.

Two kinds of list, both bounded (``LTRIM``) and expiring:

* ``flight:job:<job_id>``: what the platform did and heard for that job (steps, BMC calls,
  agent results, boot files handed out by the gateway). Agent heartbeats are not one entry each:
  a hash per job counts them per phase (the step running), with the first and last time.
* ``flight:node:<mac or address>``: what the boot services saw of a server, which do not know
  jobs: DHCP packets (by MAC), TFTP and HTTP files (by the client's address, the one its DHCP
  reservation holds). A job's timeline takes the node's entries between its start and its end.

No entry holds a secret, a MAC, a BMC address or another tenant's identity: the owner of an
instance reads its job's timeline.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable

log = logging.getLogger(__name__)

JOB_MAX_ENTRIES = 400
NODE_MAX_ENTRIES = 300
JOB_TTL_S = 14 * 24 * 3600
NODE_TTL_S = 2 * 24 * 3600
HEARTBEAT_PHASES_MAX = 64

# Sources
API = "api"
SCHEDULER = "scheduler"
BMC = "bmc"
AGENT = "agent"
DHCP = "dhcp"
TFTP = "tftp"
HTTP = "http"
SEL = "sel"

# Kinds
JOB_CREATED = "job_created"
JOB_STARTED = "job_started"
JOB_ENDED = "job_ended"
STEP_BEGIN = "step_begin"
STEP_END = "step_end"
BMC_CALL = "bmc_call"
HEARTBEATS = "heartbeats"
AGENT_RESULT = "agent_result"
DHCP_PACKET = "dhcp_packet"
FILE_FETCHED = "file_fetched"
SEL_RECORD = "sel_record"

_lock = threading.Lock()
_client = None
# After a failed write, writers skip Redis for this long: a boot service without Redis (or
# with Redis down) must not wait for a connect timeout on every packet or file.
BACKOFF_S = 30.0
_down_until = 0.0


def _redis():
    """One client per process, made on first use (the boot services import this without
    Django); short timeouts, so a Redis outage slows a writer by at most half a second."""
    global _client
    with _lock:
        if _client is None:
            import redis

            from bmp_common import env

            _client = redis.Redis.from_url(
                env.redis_url(env.REDIS_DB_CACHE),
                socket_timeout=0.5,
                socket_connect_timeout=0.5,
            )
        return _client


def reset_client() -> None:
    """Forget the client (a forked child, or a test that moved Redis)."""
    global _client, _down_until
    with _lock:
        _client = None
        _down_until = 0.0


def _write(what: str, fill) -> None:
    """Run ``fill(pipeline)`` and send it; on failure log once and back off (see BACKOFF_S)."""
    global _down_until
    if time.monotonic() < _down_until:
        return
    try:
        pipe = _redis().pipeline(transaction=False)
        fill(pipe)
        pipe.execute()
    except Exception as exc:  # the recorder never fails the caller
        _down_until = time.monotonic() + BACKOFF_S
        log.warning("flight recorder: %s not recorded (%s); pausing %g s", what, exc, BACKOFF_S)


def _job_key(job_id: str) -> str:
    return f"bmp:flight:job:{job_id}"


def _heartbeat_key(job_id: str) -> str:
    return f"bmp:flight:hb:{job_id}"


def _node_key(node: str) -> str:
    return f"bmp:flight:node:{node.lower()}"


def entry(source: str, kind: str, detail: dict | None = None, at: float | None = None) -> dict:
    return {
        "time": time.time() if at is None else at,
        "source": source,
        "kind": kind,
        "detail": detail or {},
    }


def record(job_id: str, source: str, kind: str, detail: dict | None = None) -> None:
    """Add one entry to the job's list."""
    record_many(job_id, [entry(source, kind, detail)])


def record_many(job_id: str, entries: Iterable[dict]) -> None:
    rows = [json.dumps(item, separators=(",", ":"), default=str) for item in entries]
    if not job_id or not rows:
        return
    key = _job_key(job_id)

    def fill(pipe):
        pipe.rpush(key, *rows)
        pipe.ltrim(key, -JOB_MAX_ENTRIES, -1)
        pipe.expire(key, JOB_TTL_S)

    _write(f"job {job_id} entries", fill)


def record_node(events: Iterable[tuple[str, dict]]) -> None:
    """Entries of servers known by MAC or address: ``(node, entry)`` pairs, one round trip."""
    events = list(events)
    if not events:
        return

    def fill(pipe):
        for node, item in events:
            key = _node_key(node)
            pipe.rpush(key, json.dumps(item, separators=(",", ":"), default=str))
            pipe.ltrim(key, -NODE_MAX_ENTRIES, -1)
            pipe.expire(key, NODE_TTL_S)

    _write(f"{len(events)} node entries", fill)


def heartbeat(job_id: str, phase: str) -> None:
    """Count one agent heartbeat in ``phase`` (the step running, or ``boot``)."""
    if not job_id:
        return
    key, now = _heartbeat_key(job_id), repr(time.time())
    phase = phase or "boot"

    def fill(pipe):
        pipe.hincrby(key, f"{phase}|count", 1)
        pipe.hsetnx(key, f"{phase}|first", now)
        pipe.hset(key, f"{phase}|last", now)
        pipe.expire(key, JOB_TTL_S)

    _write(f"heartbeat of job {job_id}", fill)


def _heartbeat_entries(raw: dict) -> list[dict]:
    phases: dict[str, dict] = {}
    for field, value in raw.items():
        field = field.decode() if isinstance(field, bytes) else field
        value = value.decode() if isinstance(value, bytes) else value
        phase, _, part = field.rpartition("|")
        phases.setdefault(phase, {})[part] = float(value)
    found = []
    for phase, seen in list(phases.items())[:HEARTBEAT_PHASES_MAX]:
        if "first" not in seen or "last" not in seen:
            continue
        detail = {
            "phase": phase,
            "count": int(seen.get("count", 0)),
            "first": seen["first"],
            "last": seen["last"],
        }
        found.append(entry(AGENT, HEARTBEATS, detail, at=seen["first"]))
    return found


def _decode(rows: list) -> list[dict]:
    found = []
    for row in rows:
        try:
            item = json.loads(row)
        except ValueError:
            continue
        if isinstance(item, dict) and isinstance(item.get("time"), int | float):
            found.append(item)
    return found


def read(
    job_id: str,
    *,
    nodes: Iterable[str] = (),
    since: float | None = None,
    until: float | None = None,
) -> list[dict]:
    """The job's entries, its heartbeat summary and its nodes' entries between ``since`` and
    ``until`` (epoch seconds; None: open), oldest first. Empty when Redis is down."""
    nodes = [node for node in nodes if node]
    try:
        pipe = _redis().pipeline(transaction=False)
        pipe.lrange(_job_key(job_id), 0, -1)
        pipe.hgetall(_heartbeat_key(job_id))
        for node in nodes:
            pipe.lrange(_node_key(node), 0, -1)
        job_rows, beats, *node_rows = pipe.execute()
    except Exception as exc:
        log.warning("flight recorder: job %s not read (%s)", job_id, exc)
        return []
    entries = _decode(job_rows) + _heartbeat_entries(beats)
    for rows in node_rows:
        for item in _decode(rows):
            if since is not None and item["time"] < since:
                continue
            if until is not None and item["time"] > until:
                continue
            entries.append(item)
    entries.sort(key=lambda item: item["time"])
    return entries

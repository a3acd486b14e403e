"""The flight recorder: what happened to a server during one job, for people to read afterwards.

Kept in the shared Redis (the cache database), not in a service's database, for the reason
``bmp_common.progress`` gives: the writers are many processes of several services (scheduler,
gateway, DHCP server, TFTP, HTTP), some of them on the hot path of thousands of servers
(heartbeats, packets), and a row per event in a database would put each of them behind its
write lock. A Redis list push costs one round trip and takes no lock anyone else waits for.
Losing Redis loses only this record, never a job's state; every write swallows its error
(a write Redis did not take is held and retried for a while: see RETRY_FIRST_S).

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

import collections
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

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

# A batch Redis did not take is held and sent again, not lost: Redis restarting, a connection
# reset, a timeout on a loaded host last a moment, and a DHCP DISCOVER dropped then is the very
# entry a "no answer" verdict needs. Held batches go out in order, before any newer one.
# While a retry is due, writers only add to the buffer (no connect attempt, no wait: a boot
# service without Redis must not pay a connect timeout per packet or file); the retries run on
# a thread of their own, RETRY_FIRST_S after the failure, then twice as long each time up to
# RETRY_MAX_S. Past HOLD_MAX_ENTRIES the oldest batches go, counted in ``dropped()``.
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 30.0
HOLD_MAX_ENTRIES = 5000


class _Held:
    """The batches not yet in Redis and the retry schedule; guarded by ``_lock``."""

    def __init__(self) -> None:
        self.batches: collections.deque[tuple[str, int, Callable]] = collections.deque()
        self.entries = 0
        self.dropped = 0  # entries given up since the process started
        self.dropping = False  # a drop of this outage was logged
        self.delay = 0.0  # 0: no retry due, writers send at once
        self.sending = False  # one sender at a time keeps the batches in order
        self.timer: threading.Timer | None = None


_held = _Held()


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


def prepare() -> None:
    """Make the client now (importing redis-py costs a busy core a tenth of a second or more),
    so that a process started for the hot path does not pay for it on its first entries."""
    _redis()


def reset_client() -> None:
    """Forget the client and what is held (a forked child, or a test that moved Redis)."""
    global _client, _held
    with _lock:
        _client = None
        if _held.timer is not None:
            _held.timer.cancel()
        _held = _Held()


def _forked() -> None:
    """A forked child (gunicorn's and celery's workers) has the parent's buffer but not its
    retry thread, must not share its socket, and may have the lock held by a parent thread
    that does not exist here: it starts afresh."""
    global _lock, _client, _held
    _lock, _client, _held = threading.Lock(), None, _Held()


os.register_at_fork(after_in_child=_forked)


def dropped() -> int:
    """Entries this process gave up on (Redis away for longer than the buffer lasts)."""
    return _held.dropped


def held() -> int:
    """Entries waiting for Redis."""
    return _held.entries


def _write(what: str, count: int, fill: Callable) -> None:
    """Queue ``fill(pipeline)`` (``count`` entries) and send what is queued unless a retry is
    due (see RETRY_FIRST_S). Never raises: the recorder never fails the caller."""
    held = _held
    with _lock:
        held.batches.append((what, count, fill))
        held.entries += count
        while held.entries > HOLD_MAX_ENTRIES and len(held.batches) > 1:
            gone, gone_count, _ = held.batches.popleft()
            held.entries -= gone_count
            held.dropped += gone_count
            if not held.dropping:  # once an outage: the count says the rest
                held.dropping = True
                log.warning(
                    "flight recorder: Redis away, %d entries held: %s dropped, and so the"
                    " oldest until Redis is back",
                    held.entries, gone,
                )  # fmt: skip
        if held.delay or held.sending:
            return  # the retry thread, or the sender now at work, takes it
        held.sending = True
    _send(held)


def _send(held: _Held) -> None:
    """Send the held batches, oldest first, until none is left or Redis fails; the caller set
    ``held.sending``."""
    while True:
        with _lock:
            batches = list(held.batches)
            if not batches or held is not _held:
                held.sending = False
                return
        try:
            pipe = _redis().pipeline(transaction=False)
            for _, _, fill in batches:
                fill(pipe)
            pipe.execute()
        except Exception as exc:
            if not _worth_retrying(exc):
                _give_up(held, batches, exc)
                continue
            with _lock:
                held.sending = False
                first = not held.delay
                held.delay = min(RETRY_MAX_S, held.delay * 2 or RETRY_FIRST_S)
                if held is _held:
                    held.timer = threading.Timer(held.delay, _retry, (held,))
                    held.timer.daemon = True
                    held.timer.start()
            if first:
                log.warning(
                    "flight recorder: %s not recorded yet (%s); held, retrying",
                    batches[-1][0], exc,
                )  # fmt: skip
            return
        with _lock:
            _forget(held, batches)
            if held.delay:
                held.delay, held.dropping = 0.0, False
                log.info(
                    "flight recorder: Redis back, held entries sent (%d dropped in all)",
                    held.dropped,
                )


def _forget(held: _Held, batches: list, *, lost: bool = False) -> None:
    """Take ``batches`` (sent, or ``lost``) off the front of the held ones: those a writer
    dropped for room meanwhile are gone already. Under ``_lock``."""
    for batch in batches:
        if held.batches and held.batches[0] is batch:
            held.batches.popleft()
            held.entries -= batch[1]
            held.dropped += batch[1] if lost else 0


def _worth_retrying(exc: Exception) -> bool:
    """A connection that failed or timed out: the next try may pass. (After a timeout the
    entries may have landed all the same: sent again, they show twice, at the same time.)
    Anything else (a refused command, an entry Redis cannot take) would fail again."""
    import redis

    return isinstance(exc, redis.ConnectionError | redis.TimeoutError | OSError)


def _give_up(held: _Held, batches: list, exc: Exception) -> None:
    with _lock:
        _forget(held, batches, lost=True)
    log.warning("flight recorder: %s not recorded (%s)", batches[-1][0], exc)


def _retry(held: _Held) -> None:
    with _lock:
        if held.sending or held is not _held:
            return
        held.sending = True
    _send(held)


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
    record_jobs({job_id: list(entries)})


def record_jobs(entries_of: dict[str, list[dict]]) -> None:
    """The entries of several jobs (job id -> entries, oldest first) in one round trip."""
    rows_of = {
        job_id: [json.dumps(item, separators=(",", ":"), default=str) for item in entries]
        for job_id, entries in entries_of.items()
        if job_id and entries
    }
    count = sum(len(rows) for rows in rows_of.values())
    if not count:
        return

    def fill(pipe):
        for job_id, rows in rows_of.items():
            key = _job_key(job_id)
            pipe.rpush(key, *rows)
            pipe.ltrim(key, -JOB_MAX_ENTRIES, -1)
            pipe.expire(key, JOB_TTL_S)

    what = (
        f"job {next(iter(rows_of))} entries"
        if len(rows_of) == 1
        else f"{len(rows_of)} jobs' entries"
    )
    _write(what, count, fill)


def record_node(events: Iterable[tuple[str, dict]]) -> None:
    """Entries of servers known by MAC or address: ``(node, entry)`` pairs, one round trip."""
    record_node_encoded(
        (node, json.dumps(item, separators=(",", ":"), default=str)) for node, item in events
    )


def record_node_encoded(rows: Iterable[tuple[str, str]]) -> None:
    """``record_node`` for entries already in JSON (compact, as ``record_node`` writes them): a
    DHCP server writes thousands a second from one template, where ``json.dumps`` per entry
    was half of its writer's CPU."""
    # Grouped by server, in order: one RPUSH, LTRIM and EXPIRE per server, not per entry (a
    # DHCP exchange's four packets usually reach one batch). Not one EVAL for the batch, though
    # it halves the writer's CPU: the boot services' Redis user may append, trim and expire
    # only (the compose file's ACL), and a user allowed EVAL may run any script.
    by_node: dict[str, list[str]] = {}
    for node, row in rows:
        by_node.setdefault(node, []).append(row)
    if not by_node:
        return
    count = sum(len(items) for items in by_node.values())

    def fill(pipe):
        for node, items in by_node.items():
            key = _node_key(node)
            pipe.rpush(key, *items)
            pipe.ltrim(key, -NODE_MAX_ENTRIES, -1)
            pipe.expire(key, NODE_TTL_S)

    _write(f"{count} node entries", count, fill)


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

    _write(f"heartbeat of job {job_id}", 1, fill)


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

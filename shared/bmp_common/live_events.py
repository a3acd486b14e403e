"""Live events for the consoles: what openapi writes after a commit, what the BFFs stream.

Each event is appended to Redis streams (``XADD``, capped at ``STREAM_LENGTH`` entries, kept a
day): the stream of every user it concerns, ``bmp:events:user:<userId>``, and the operators'
stream of everything, ``bmp:events:all``. A BFF's ``/events`` reads its user's stream with a
blocking ``XREAD`` (Redis pushes, nobody polls openapi) and gives each entry's stream id as the
server-sent event's ``id``, so a browser that reconnects with ``Last-Event-ID`` gets exactly
what it missed. (Plain pub/sub would lose whatever is published while the browser is away.)

Publishing never fails the caller: Redis down loses the live update, not the write.
"""

from __future__ import annotations

import json
import logging
import re
import threading

import redis

from bmp_common import env

log = logging.getLogger(__name__)

STREAM_LENGTH = 1000  # entries kept per stream (approximately: MAXLEN ~)
STREAM_TTL_S = 24 * 3600
ALL_STREAM = "bmp:events:all"
EVENT_ID = re.compile(r"^\d{1,20}-\d{1,20}$")

# Event names (the SSE ``event:`` field).
INSTANCE = "instance"  # an instance's status or step progress changed
MESSAGE = "message"  # a new in-site message

_lock = threading.Lock()
_client: redis.Redis | None = None


def user_stream(user_id: str) -> str:
    return f"bmp:events:user:{user_id}"


def connection() -> redis.Redis:
    """One client (and pool) per process, on the events database."""
    global _client
    with _lock:
        if _client is None:
            _client = redis.Redis.from_url(
                env.redis_url(env.REDIS_DB_EVENTS),
                socket_connect_timeout=2,
                socket_timeout=2,
                decode_responses=True,
            )
        return _client


def publish(event: str, data: dict, *, user_ids: list[str]) -> None:
    """Appends ``event`` to each user's stream and to the operators' stream."""
    publish_many(event, [(data, user_ids)])


def publish_many(event: str, items: list[tuple[dict, list[str]]]) -> None:
    """``publish`` of each ``(data, user_ids)``, in order, in one round trip to Redis (a
    create of 100 instances: one, not 100)."""
    try:
        pipe = connection().pipeline(transaction=False)
        for data, user_ids in items:
            fields = {"event": event, "data": json.dumps(data, ensure_ascii=False, default=str)}
            for stream in {*(user_stream(u) for u in user_ids if u), ALL_STREAM}:
                pipe.xadd(stream, fields, maxlen=STREAM_LENGTH, approximate=True)
                pipe.expire(stream, STREAM_TTL_S)
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("live event %s not published: %s", event, type(exc).__name__)


def read(
    client: redis.Redis, stream: str, after: str, *, block_ms: int, count: int = 100
) -> list[tuple[str, str, str]]:
    """``(id, event, data)`` of the entries after ``after`` ("$": only new ones), waiting up
    to ``block_ms`` for the first."""
    answer = client.xread({stream: after}, block=block_ms, count=count) or []
    return [
        (entry_id, fields.get("event", ""), fields.get("data", "{}"))
        for _stream, entries in answer
        for entry_id, fields in entries
    ]

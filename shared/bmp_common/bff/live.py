"""``GET /events``: the session user's live events as server-sent events.

One stream per browser tab, read from the user's Redis stream (``bmp_common.live_events``): an
``instance`` event when one of the user's instances (or one shared with them) changes status or
step, a ``message`` event for a new in-site message. On the operator portal
(``Portal.fleet_events``) it is the stream of every event, of which the ``instance`` events are
passed on, and the ``message`` events of the operator's own inbox (out-of-band faults are sent
to every operator): an operator watches the whole fleet, not other users' inboxes.
Each event's ``id`` is its stream id; EventSource sends the
last one back as ``Last-Event-ID`` when it reconnects, and the stream resumes right after it.
A stream ends after ``BMP_BFF_EVENTS_MAX_AGE`` seconds (the browser reconnects at once), or
when the session ends; a comment line every ``BMP_BFF_EVENTS_KEEPALIVE`` seconds keeps proxies
from closing an idle one. Without a session: 402, as every route.
"""

from __future__ import annotations

import json
import logging
import time

import redis
from django.conf import settings
from django.http import StreamingHttpResponse
from django.views import View

from bmp_common import live_events
from bmp_common.api.envelope import error_json_response
from bmp_common.bff import errors as bff_errors
from bmp_common.bff.sessions import session_user, user_in

log = logging.getLogger(__name__)

RECONNECT_MS = 2000
# What the operators' stream passes on of everything published (and their own messages).
FLEET_EVENTS = frozenset({live_events.INSTANCE})


def _passed_to_operator(event: str, data: str, user_id: str) -> bool:
    if event in FLEET_EVENTS:
        return True
    if event != live_events.MESSAGE:
        return False
    try:
        return json.loads(data).get("userId") == user_id
    except (ValueError, AttributeError):
        return False


def _still_logged_in(request, user) -> bool:
    """The session, read again from Redis, still holds this user (no logout, no expiry, no
    password change since the stream began)."""
    now = user_in(type(request.session)(request.session.session_key))
    return now is not None and now.user_id == user.user_id


class EventsView(View):
    def get(self, request):
        user = session_user(request)
        if user is None:
            return error_json_response(request, bff_errors.NOT_LOGIN)
        request.bmp_session_user = user
        after = request.headers.get("Last-Event-ID", "") or request.GET.get("lastEventId", "")
        if not live_events.EVENT_ID.match(after):
            after = "$"
        response = StreamingHttpResponse(
            self.stream(request, user, after), content_type="text/event-stream"
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
        return response

    def stream(self, request, user, after: str):
        client = redis.Redis.from_url(
            settings.BMP_EVENTS_REDIS_URL,
            socket_connect_timeout=2,
            socket_timeout=settings.BMP_BFF_EVENTS_KEEPALIVE + 5,
            decode_responses=True,
        )
        fleet = settings.BMP_PORTAL.fleet_events
        stream = live_events.ALL_STREAM if fleet else live_events.user_stream(user.user_id)
        if after == "$":
            # "$" is "after the newest now": pin it, so nothing between reads is skipped.
            newest = client.xrevrange(stream, count=1)
            after = newest[0][0] if newest else "0-0"
        deadline = time.monotonic() + settings.BMP_BFF_EVENTS_MAX_AGE
        yield f"retry: {RECONNECT_MS}\n\n"
        try:
            while time.monotonic() < deadline:
                entries = live_events.read(
                    client, stream, after, block_ms=settings.BMP_BFF_EVENTS_KEEPALIVE * 1000
                )
                passed = 0
                for entry_id, event, data in entries:
                    after = entry_id
                    if fleet and not _passed_to_operator(event, data, user.user_id):
                        continue
                    passed += 1
                    yield f"id: {entry_id}\nevent: {event}\ndata: {data}\n\n"
                if not passed:
                    yield ": keepalive\n\n"
                if not _still_logged_in(request, user):
                    return
        except redis.RedisError as exc:
            log.warning("events stream of %s ended: %s", user.user_id, type(exc).__name__)
        finally:
            client.close()

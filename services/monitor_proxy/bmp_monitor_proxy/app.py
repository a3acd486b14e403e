"""The proxy's 4 routes (upstream's paths): agents put points and heartbeats with their
instance's credential; openapi asks for agent status and device tags with the monitoring
token. ``make_app`` builds it from a ``Config``; ``wsgi.application`` is the served one."""

from __future__ import annotations

import logging
import urllib.error

import redis

from bmp_common.json_wsgi import HttpError, JsonApp, Request, require_token
from bmp_monitor_proxy import push, raid
from bmp_monitor_proxy.config import Config
from bmp_monitor_proxy.credentials import CredentialCache, listen_for_revocations
from bmp_monitor_proxy.state import State

log = logging.getLogger(__name__)

TAG_NAMES = ("disk", "mountpoint", "nic")
MAX_IDS = 100
AGENT_STATUSES = (0, 1, 2)


def make_app(config: Config, *, listen: bool = True) -> JsonApp:
    app = JsonApp("monitor-proxy")
    cache = CredentialCache(
        openapi_url=config.openapi_url, token=config.monitor_token, ttl_s=config.credential_ttl_s
    )
    state = State(config.redis_url, silence_s=config.agent_silence_s)
    forwarder = raid.RaidForwarder(
        openapi_url=config.openapi_url,
        token=config.monitor_token,
        redis_url=config.redis_url,
        refresh_s=config.credential_ttl_s,
    )
    app.cache, app.state, app.raid = cache, state, forwarder
    if listen:
        listen_for_revocations(cache, config.redis_url, on_revoked=forwarder.forget)

    def agent_of(request: Request, body: dict):
        sn = body.get("sn")
        if not isinstance(sn, str):
            raise HttpError(401, "an agent reports with its SN and credential")
        return cache.agent(sn=sn, credential=request.bearer())

    @app.route("GET", "/health")
    def health(request):
        return {"status": "ok", "service": "monitor-proxy"}

    @app.route("POST", "/api/v1/agent/put")
    def put(request):
        body = request.json()
        agent = agent_of(request, body)
        points, dropped = push.parse_points(body.get("dataPoints"))
        try:
            pushes = push.push(
                config.pushgateway_url, agent.instance_id, points, config.push_timeout_s
            )
        except (urllib.error.URLError, OSError) as exc:
            log.warning("push of %s failed: %s", agent.instance_id, exc)
            raise HttpError(503, "the Pushgateway did not take the points") from None
        try:
            state.remember_tags(agent.instance_id, points)
        except redis.RedisError as exc:
            log.warning("device tags of %s not kept: %s", agent.instance_id, type(exc).__name__)
        return {"accepted": len(points), "dropped": dropped, "pushes": pushes}

    @app.route("POST", "/api/v1/agent/heartbeat")
    def heartbeat(request):
        body = request.json()
        agent = agent_of(request, body)
        status = body.get("status", 1)
        if status not in AGENT_STATUSES:
            raise HttpError(400, "status: 0, 1 or 2")
        version = str(body.get("agent_version", ""))[:64]
        try:
            state.heartbeat(
                instance_id=agent.instance_id, sn=agent.sn, version=version, status=status
            )
        except redis.RedisError:
            raise HttpError(503, "the heartbeat could not be kept") from None
        # The guest's software RAID arrays, for the instance's detail (when they change).
        arrays = raid.parse_arrays(body.get("software_raid"))
        if arrays is not None and status == 1:
            forwarder.report(agent.instance_id, arrays)
        return {"success": True}

    @app.route("POST", "/api/v1/describeAgentStatus")
    def agent_status(request):
        require_token(request, config.monitor_token)
        ids = request.json().get("instanceIds")
        if not isinstance(ids, list) or not 0 < len(ids) <= MAX_IDS:
            raise HttpError(400, f"instanceIds: 1 to {MAX_IDS} ids")
        return state.agent_status([str(i) for i in ids])

    @app.route("POST", "/api/v1/tags")
    def tags(request):
        require_token(request, config.monitor_token)
        body = request.json()
        if body.get("metric") not in TAG_NAMES or not isinstance(body.get("instanceId"), str):
            raise HttpError(400, "instanceId, and metric: disk, mountpoint or nic")
        return state.tags(body["instanceId"], body["metric"])

    return app

"""What the proxy keeps in Redis: each agent's last heartbeat and its instance's device tags
(the disks, mount points and NICs it reports)."""

from __future__ import annotations

import json
import time

import redis

from bmp_common.monitoring import AGENT_STATUS_KEY, DEVICE_TAGS_KEY, TAG_SOURCES

AGENT_UNKNOWN = 0
STATUS_TTL_S = 30 * 24 * 3600  # an instance silent for a month is forgotten


class State:
    def __init__(self, redis_url: str, *, silence_s: int, clock=time.time):
        self.redis = redis.Redis.from_url(
            redis_url, socket_connect_timeout=2, socket_timeout=2, decode_responses=True
        )
        self.silence_s = silence_s
        self.clock = clock
        self._tags_sent: dict[str, dict] = {}  # instance -> the tags last written (per process)

    def heartbeat(self, *, instance_id: str, sn: str, version: str, status: int) -> None:
        key = AGENT_STATUS_KEY.format(instance_id=instance_id)
        fields = {
            "sn": sn,
            "agent_version": version,
            "status": status,
            "timestamp": int(self.clock()),
        }
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(key, mapping=fields)
        pipe.expire(key, STATUS_TTL_S)
        pipe.execute()

    def agent_status(self, instance_ids: list[str]) -> list[dict]:
        pipe = self.redis.pipeline(transaction=False)
        for instance_id in instance_ids:
            pipe.hgetall(AGENT_STATUS_KEY.format(instance_id=instance_id))
        now = self.clock()
        found = []
        for instance_id, row in zip(instance_ids, pipe.execute(), strict=True):
            timestamp = int(row.get("timestamp") or 0)
            status = int(row.get("status") or AGENT_UNKNOWN)
            if now - timestamp > self.silence_s:
                status = AGENT_UNKNOWN
            found.append(
                {
                    "instance_id": instance_id,
                    "sn": row.get("sn", ""),
                    "agent_version": row.get("agent_version", ""),
                    "status": status,
                    "timestamp": timestamp,
                }
            )
        return found

    def remember_tags(self, instance_id: str, points) -> None:
        tags = {
            tag: sorted({p.device for p in points if p.metric == metric and p.device})
            for tag, metric in TAG_SOURCES.items()
        }
        tags = {tag: json.dumps(devices) for tag, devices in tags.items() if devices}
        if tags and self._tags_sent.get(instance_id) != tags:
            self._tags_sent[instance_id] = tags
            key = DEVICE_TAGS_KEY.format(instance_id=instance_id)
            pipe = self.redis.pipeline(transaction=False)
            pipe.hset(key, mapping=tags)
            pipe.expire(key, STATUS_TTL_S)
            pipe.execute()

    def tags(self, instance_id: str, tag: str) -> list[str]:
        raw = self.redis.hget(DEVICE_TAGS_KEY.format(instance_id=instance_id), tag)
        return json.loads(raw) if raw else []

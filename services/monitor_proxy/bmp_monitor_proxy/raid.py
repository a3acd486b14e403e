"""The software RAID arrays an agent sends with its heartbeat (``software_raid``, from the
guest's /proc/mdstat), forwarded to openapi (``reportSoftwareRaid``) for the instance's detail.

Only when they differ from what was last forwarded for the instance, and at least every
``refresh_s`` seconds (openapi may have forgotten them: a reinstall empties them). What was
forwarded is kept in Redis as a digest, so every worker of the proxy knows it; a revocation of
the instance's credential (reinstall, delete) forgets it. A failed forward is tried again with
the next heartbeat and never fails the heartbeat.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import urllib.error
import urllib.request

import redis

from bmp_common.monitoring import SOFTWARE_RAID_SENT_KEY

log = logging.getLogger(__name__)

MAX_ARRAYS = 64
MAX_DEVICES = 64
_NAME = re.compile(r"^md[^\s\x00]{0,62}$")
_DEVICE = re.compile(r"^[^\s\x00]{1,64}$")


def parse_arrays(raw) -> list[dict] | None:
    """The arrays as openapi takes them (name, level, devices, state, degraded); None when the
    heartbeat carries none, or something that is not a list of arrays (an older or a broken
    agent: nothing is forwarded)."""
    if not isinstance(raw, list) or len(raw) > MAX_ARRAYS:
        return None
    arrays = []
    for item in raw:
        if not isinstance(item, dict):
            return None
        name, level, state = item.get("name"), item.get("level", ""), item.get("state", "")
        devices, degraded = item.get("devices", []), item.get("degraded")
        if not (isinstance(name, str) and _NAME.match(name)):
            return None
        if not all(isinstance(v, str) and len(v) <= 64 and "\x00" not in v for v in (level, state)):
            return None
        if not isinstance(devices, list) or len(devices) > MAX_DEVICES:
            return None
        if not all(isinstance(d, str) and _DEVICE.match(d) for d in devices):
            return None
        if not isinstance(degraded, bool):
            return None
        arrays.append(
            {
                "name": name,
                "level": level[:32],
                "devices": devices,
                "state": state,
                "degraded": degraded,
            }
        )
    return arrays


class RaidForwarder:
    def __init__(self, *, openapi_url: str, token: str, redis_url: str, refresh_s: int):
        self.openapi_url = openapi_url
        self.token = token
        self.refresh_s = refresh_s
        self.redis = redis.Redis.from_url(
            redis_url, socket_connect_timeout=2, socket_timeout=2, decode_responses=True
        )
        self.forwarded = 0  # how many reports went to openapi (tests)

    def report(self, instance_id: str, arrays: list[dict]) -> bool:
        """Forward ``arrays`` unless openapi has them already; whether they were sent."""
        key = SOFTWARE_RAID_SENT_KEY.format(instance_id=instance_id)
        digest = hashlib.sha256(json.dumps(arrays, sort_keys=True).encode()).hexdigest()
        try:
            if self.redis.get(key) == digest:
                return False
        except redis.RedisError as exc:
            log.warning("software RAID of %s not compared: %s", instance_id, type(exc).__name__)
        if not self._send(instance_id, arrays):
            return False
        self.forwarded += 1
        try:
            self.redis.set(key, digest, ex=self.refresh_s)
        except redis.RedisError as exc:
            log.warning("software RAID of %s not noted: %s", instance_id, type(exc).__name__)
        return True

    def forget(self, instance_id: str) -> None:
        try:
            self.redis.delete(SOFTWARE_RAID_SENT_KEY.format(instance_id=instance_id))
        except redis.RedisError as exc:
            log.warning("software RAID of %s not forgotten: %s", instance_id, type(exc).__name__)

    def _send(self, instance_id: str, arrays: list[dict]) -> bool:
        body = json.dumps({"instanceId": instance_id, "softwareRaid": arrays}).encode()
        request = urllib.request.Request(  # noqa: S310 (http(s) from the configuration)
            f"{self.openapi_url}/v1/offline/monitorAgent/softwareRaid",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
                answer.read()
            return True
        except urllib.error.HTTPError as exc:
            log.warning("openapi answered %s to the software RAID of %s", exc.code, instance_id)
        except OSError as exc:
            log.warning("software RAID of %s not forwarded: %s", instance_id, type(exc).__name__)
        return False

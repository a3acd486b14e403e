"""Settings from the environment (``.env``)."""

from __future__ import annotations

from dataclasses import dataclass

from bmp_common import env
from bmp_common.monitoring import AGENT_SILENCE_S


@dataclass(frozen=True)
class Config:
    openapi_url: str  # the operation profile (8801): POST /v1/offline/monitorAgent/check
    pushgateway_url: str
    monitor_token: str  # BMP_MONITOR_TOKEN: openapi's calls here and ours to openapi
    redis_url: str
    credential_ttl_s: int  # how long a checked credential is trusted without asking again
    agent_silence_s: int  # a heartbeat older than this: status 0 (unknown)
    push_timeout_s: float


def load() -> Config:
    return Config(
        openapi_url=env.env_str("BMP_OPENAPI_URL", "http://127.0.0.1:8801").rstrip("/"),
        pushgateway_url=env.env_str("BMP_PUSHGATEWAY_URL", "http://127.0.0.1:9091").rstrip("/"),
        monitor_token=env.env_str("BMP_MONITOR_TOKEN", ""),
        redis_url=env.redis_url(env.REDIS_DB_MONITOR),
        credential_ttl_s=env.env_int("BMP_MONITOR_CREDENTIAL_TTL", 600),
        agent_silence_s=env.env_int("BMP_MONITOR_AGENT_SILENCE", AGENT_SILENCE_S),
        push_timeout_s=5.0,
    )

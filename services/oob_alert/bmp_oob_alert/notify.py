"""oob-alert -> openapi: health summaries and fault notices, with the system key."""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings

from bmp_common.contract.client import ContractClientError, OpenapiClient, system_key_file

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def client() -> OpenapiClient:
    return OpenapiClient(settings.BMP_OPENAPI_URL, key_file=system_key_file(), profile="operation")


def send(device_id: str, *, health: dict | None, faults: list[dict]) -> None:
    """After the fault log committed: failures are logged (the log is what counts; a lost
    notice is not retried)."""
    try:
        if health is not None:
            client().call("modifyOobHealth", body={"deviceId": device_id, "health": health})
        if faults:
            client().call("sendOobNotices", body={"deviceId": device_id, "faults": faults})
    except ContractClientError as exc:
        log.warning("openapi did not take the report of device %s: %s", device_id, exc)

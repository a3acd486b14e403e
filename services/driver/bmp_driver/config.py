"""The driver's ``BMP_DRIVER_*`` settings (read when a backend or action needs them)."""

from __future__ import annotations

import os

from bmp_common import env


def env_float(key: str, default: float) -> float:
    raw = os.environ.get(key, "")
    if raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{key} must be a number of seconds, got {raw!r}") from None


def concurrency() -> int:
    """Steps run at once per IDC (``BMP_DRIVER_CONCURRENCY``, default 32)."""
    return max(1, env.env_int("BMP_DRIVER_CONCURRENCY", 32))

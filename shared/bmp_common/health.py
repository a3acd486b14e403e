"""Dependency checks for ``/health``: each returns None when healthy, else a short reason.

Reasons name the failure kind only (an exception class), never a URL: URLs carry passwords.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import Connection

from bmp_common import env

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        log.warning("health: database unreachable: %s", type(exc).__name__)
        return type(exc).__name__
    return None


def check_cache() -> str | None:
    try:
        cache.set("bmp:health", "1", timeout=10)
        if cache.get("bmp:health") != "1":
            return "cache did not return the written value"
    except Exception as exc:
        log.warning("health: cache unreachable: %s", type(exc).__name__)
        return type(exc).__name__
    return None


def check_broker() -> str | None:
    url = getattr(settings, "CELERY_BROKER_URL", None) or env.broker_url()
    try:
        with Connection(url, connect_timeout=TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
    except Exception as exc:
        log.warning("health: broker unreachable: %s", type(exc).__name__)
        return type(exc).__name__
    return None


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def run_checks() -> dict[str, str | None]:
    return {name: check() for name, check in CHECKS.items()}

"""A BFF's route table against upstream's: which routes it serves, and whether every openapi
operation it relays is one the openapi profile it calls serves (tests/test_*_api_routes.py).

Each question runs in a process of its own, under the BFF's settings: the asking pytest runs
under openapi's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys, django
django.setup()
from django.urls import Resolver404, get_resolver, resolve
from bmp_common.bff.views import OperationApi
from bmp_common.contract import contract_for

routes, profile = json.loads(input())
answer = {"missing": [], "unserved": []}
for method, path in routes:
    try:
        view = resolve(path).func.view_class
    except Resolver404:
        view = None
    if view is None or not hasattr(view, method.lower()):
        answer["missing"].append(f"{method} {path}")
if profile:
    spec = contract_for(profile)
    served = {op["operationId"] for item in spec["paths"].values() for op in item.values()
              if isinstance(op, dict) and "operationId" in op}
    for pattern in get_resolver().url_patterns:
        view = getattr(pattern.callback, "view_class", None)
        if view and issubclass(view, OperationApi):
            answer["unserved"] += [op for op in view.operations.values() if op not in served]
print(json.dumps(answer))
"""


def routes_of(table: str) -> list[list[str]]:
    """``METHOD /path`` lines → [method, path] pairs."""
    return [line.split(" ", 1) for line in table.strip().splitlines()]


def probe(settings_module: str, routes: list[list[str]], profile: str = "") -> dict:
    """``{"missing": ["METHOD /path", …], "unserved": [operationId, …]}`` of the project of
    ``settings_module``; ``unserved`` only when ``profile`` names the openapi profile it calls."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    env.setdefault("BMP_SECRET_KEY", "route-table-test")
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=json.dumps([routes, profile]),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def oob_alert_missing(settings_module: str, table: str) -> tuple[int, list[str], list[str]]:
    """For upstream's SPA calls to ``/oob-alert/…``: (how many, those the BFF does not serve,
    those oob-alert itself has no route for, where the BFF sends them)."""
    routes = routes_of(table)
    inner = [[method, path.removeprefix("/oob-alert")] for method, path in routes]
    return (
        len(routes),
        probe(settings_module, routes)["missing"],
        probe("bmp_oob_alert.settings", inner)["missing"],
    )

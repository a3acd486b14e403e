"""console-api's route table against upstream bmp-console-api's router (80 routes, one of them
``DELETE /project/:id`` registered twice): every route of upstream's in scope answers its method
here, and every route that relays an openapi operation names one openapi's console profile
serves.

Out of scope here: the WebSocket demo (/ws/*: /events is the live stream).

Besides: the oob-alert routes upstream's console SPA called at /oob-alert/ (its nginx sent them
to oob-alert) are served here under the same paths, and each is a route of oob-alert.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# (method, path) of upstream's router, ids as "x"; /ws left out, the twice-registered
# DELETE /project/x listed twice as upstream's router has it.
UPSTREAM = """
POST /login
POST /logout
POST /custom/setCustomInfo
GET /custom/getCustomInfo
PUT /apikey
GET /apikey
DELETE /apikey/x
GET /device/isDeviceStockEnough
GET /deviceType/getAvailableDeviceTypes
GET /idc
GET /image/queryImagesByDeviceType
GET /partition/queryDefaultSystemPartitions
PUT /project
GET /project
GET /project/x
POST /project/x
POST /project/x/description
DELETE /project/x
DELETE /project/x
PUT /project/x/share
PUT /project/x/cancelShare
PUT /project/x/move
PUT /project/move/instances
GET /raid/queryRaidsByDeviceTypeIDAndVolumeType
GET /user
PUT /user/password
PUT /user
GET /user/timezones
GET /user/getConsoleAccessUserList
GET /user/checkUserConsoleAccess
GET /user/checkUserConsoleAccessByName
PUT /keypair
GET /keypair
GET /keypair/x
PUT /keypair/x
DELETE /keypair/x
GET /keypair/checkKeypairName
GET /instance
GET /instance/x
PUT /instance
POST /instance/startInstance
POST /instance/stopInstance
POST /instance/modifyInstance
POST /instance/restartInstance
POST /instance/resetPasswd
POST /instance/batchResetPasswd
DELETE /instance/x
POST /instance/lockInstance
POST /instance/unlockInstance
POST /instance/startInstances
POST /instance/stopInstances
POST /instance/restartInstances
POST /instance/modifyInstances
DELETE /instance/deleteInstances
POST /instance/reinstallInstance
GET /instance/forshare/list
GET /messages/hasUnreadMessage
GET /messages
GET /messages/statistic
PUT /messages/doRead
DELETE /messages/delete
GET /messages/getMessageById
GET /messages/getMessageTypes
GET /auditLogs
GET /auditLogs/types
POST /monitorRule/addRule
GET /monitorRule/describeRule
GET /monitorRule/describeRules
PUT /monitorRule/editRule
PUT /monitorRule/enableRule
PUT /monitorRule/disableRule
DELETE /monitorRule/deleteRule
GET /monitorAlert/describeAlert
GET /monitorAlert/describeAlerts
DELETE /monitorAlert/deleteAlert
GET /monitorData
GET /monitorProxy/desrcibeAgentStatus
GET /monitorProxy/desrcibeTags
"""
OUT_OF_SCOPE = 2  # /ws/msg, /ws/innerSendmsg

# What upstream's console SPA sent to /oob-alert/ (bmp-console-web src/api/config.ts):
# the instance's hardware health, fault log (and its export), the log's column choices.
UPSTREAM_OOB = """
GET /oob-alert/v1/oob-alert/device/status
GET /oob-alert/v1/oob-alert/consolelogs
GET /oob-alert/v1/oob-alert/custom/get-custom-info
POST /oob-alert/v1/oob-alert/custom/set-custom-info
"""
OOB_ROUTE_COUNT = 4
SETTINGS = "bmp_console_api.settings"

# Run in a process of its own: this pytest runs under openapi's settings.
PROBE = """
import json, django
django.setup()
from django.urls import Resolver404, resolve
from bmp_common.bff.views import OperationApi
from bmp_common.contract import contract_for

routes = json.loads(input())
answer = {"missing": [], "unserved": []}
for method, path in routes:
    try:
        view = resolve(path).func.view_class
    except Resolver404:
        view = None
    if view is None or not hasattr(view, method.lower()):
        answer["missing"].append(f"{method} {path}")
spec = contract_for("console")
served = {op["operationId"] for item in spec["paths"].values() for op in item.values()
          if isinstance(op, dict) and "operationId" in op}
from django.urls import get_resolver
for pattern in get_resolver().url_patterns:
    view = getattr(pattern.callback, "view_class", None)
    if view and issubclass(view, OperationApi):
        answer["unserved"] += [op for op in view.operations.values() if op not in served]
print(json.dumps(answer))
"""


@pytest.fixture(scope="module")
def probe():
    routes = [line.split(" ", 1) for line in UPSTREAM.strip().splitlines()]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bmp_console_api.settings"}
    env.setdefault("BMP_SECRET_KEY", "route-table-test")
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=json.dumps(routes),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return routes, json.loads(result.stdout)


def test_every_upstream_route_in_scope_is_served(probe):
    routes, answer = probe
    assert len(routes) + OUT_OF_SCOPE == 80
    assert answer["missing"] == []


def test_every_relayed_operation_is_on_openapis_console_profile(probe):
    assert probe[1]["unserved"] == []


# -- out-of-band monitoring: upstream's SPA called oob-alert at /oob-alert/; the BFF serves it --

OOB_PROBE = """
import json, django
django.setup()
from django.urls import Resolver404, resolve
routes = json.loads(input())
missing = []
for method, path in routes:
    try:
        view = resolve(path).func.view_class
    except Resolver404:
        view = None
    if view is None or not hasattr(view, method.lower()):
        missing.append(f"{method} {path}")
print(json.dumps(missing))
"""


def _missing(settings_module: str, routes: list[list[str]]) -> list[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    env.setdefault("BMP_SECRET_KEY", "route-table-test")
    result = subprocess.run(
        [sys.executable, "-c", OOB_PROBE],
        input=json.dumps(routes),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_oob_alert_routes_of_upstreams_spa_are_served_under_oob_alert():
    routes = [line.split(" ", 1) for line in UPSTREAM_OOB.strip().splitlines()]
    assert len(routes) == OOB_ROUTE_COUNT
    assert _missing(SETTINGS, routes) == []
    # ... and each is a route of oob-alert itself, where the BFF sends it.
    inner = [[method, path.removeprefix("/oob-alert")] for method, path in routes]
    assert _missing("bmp_oob_alert.settings", inner) == []

"""operation-api's route table against upstream bmp-operation-api's router (110 routes): every
route of upstream's in scope answers its method here, and every route that relays an openapi
operation names one openapi's operation profile serves.

Out of scope here: the WebSocket demo (/ws/*: /events is the live stream). Upstream routed
``DELETE /monitorRule/deleteRule`` to its edit handler; ours deletes.

Besides: the oob-alert routes upstream's operator SPA called at /oob-alert/ (its nginx sent them
to oob-alert) are served here under the same paths, and each is a route of oob-alert.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# (method, path) of upstream's router, ids as "x"; /ws left out.
UPSTREAM = """
POST /login
POST /logout
GET /filterList
POST /custom/setCustomInfo
GET /custom/getCustomInfo
PUT /users
GET /users
GET /users/x
POST /users/x
DELETE /users/x
POST /users/login/validate
GET /devices/queryDevices
GET /devices/queryDevice/x
PUT /devices/unPutaway
PUT /devices/putaway
PUT /devices/deviceType/associate
DELETE /devices/x
PUT /devices/x
POST /devices/collect
POST /devices
PUT /devices/x/remove
GET /devices/x/disksDetail
GET /devices/disks/describeAssociateDisks
PUT /devices/disks/associateDisks
PUT /deviceTypes
GET /deviceTypes
GET /deviceTypes/queryDeviceType/x
GET /deviceTypes/deviceTypeImage
POST /deviceTypes/associatedImage
POST /deviceTypes/dissociatedImage
PUT /deviceTypes/x
DELETE /deviceTypes/x
GET /deviceTypes/x/describeVolumes
GET /deviceTypes/getAvailableDeviceTypes
GET /oss
GET /oss/filter
GET /roles
GET /roles/roleInfo/current
POST /images
GET /images
GET /images/x
PUT /images/x
DELETE /images/x
GET /images/imageDeviceTypes
POST /images/associatedDeviceType
DELETE /images/dissociatedDeviceType
GET /images/queryImagesByDeviceType
GET /raids
GET /raids/queryRaidsByDeviceTypeIDAndVolumeType
GET /instances/x
POST /instances/start/x
POST /instances/restart/x
POST /instances/stop/x
POST /instances/resetStatus/x
DELETE /instances/x
POST /instances/lock/x
POST /instances/unlock/x
POST /instances/startInstances
POST /instances/stopInstances
POST /instances/restartInstances
POST /instances/modifyInstances
DELETE /instances/deleteInstances
POST /instances/resetPasswd
POST /instances/batchResetPasswd
POST /instances/reinstallInstance
GET /keypair
PUT /idc
GET /idc
GET /idc/x
DELETE /idc/x
PUT /idc/x
POST /idc/VerifyUser
GET /user/local
PUT /user/local/password
PUT /user/local
GET /user/local/timezones
PUT /apikey
GET /apikey
DELETE /apikey/x
GET /resources
GET /partition/queryDefaultSystemPartitions
GET /messages/hasUnreadMessage
GET /messages
GET /messages/statistic
PUT /messages/doRead
DELETE /messages/delete
GET /messages/getMessageById
GET /messages/getMessageTypes
POST /messages/dialMail
POST /messages/saveIsPushMail
GET /messages/describeMail
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
POST /devices/upload
POST /images/upload
"""
OUT_OF_SCOPE = 2  # /ws/*

# What upstream's operator SPA sent to /oob-alert/ (bmp-operation-web src/api/surveillance/*,
# device/config.ts, public/config.ts): hardware status, fault log and "handled", fault rules.
UPSTREAM_OOB = """
GET /oob-alert/v1/oob-alert/device/status
GET /oob-alert/v1/oob-alert/consolelogs
GET /oob-alert/v1/oob-alert/logs
POST /oob-alert/v1/oob-alert/logs/deal
GET /oob-alert/v1/oob-alert/rules
POST /oob-alert/v1/oob-alert/rules/change-push
POST /oob-alert/v1/oob-alert/rules/change-use
POST /oob-alert/v1/oob-alert/rules/reset
GET /oob-alert/v1/oob-alert/rules/alert-level-list
GET /oob-alert/v1/oob-alert/rules/alert-spec-list
GET /oob-alert/v1/oob-alert/custom/get-custom-info
POST /oob-alert/v1/oob-alert/custom/set-custom-info
"""
OOB_ROUTE_COUNT = 12
SETTINGS = "bmp_operation_api.settings"

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
spec = contract_for("operation")
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
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bmp_operation_api.settings"}
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
    assert len(routes) + OUT_OF_SCOPE == 110
    assert answer["missing"] == []


def test_every_relayed_operation_is_on_openapis_operation_profile(probe):
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

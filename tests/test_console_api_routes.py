"""console-api's route table against upstream bmp-console-api's router (80 routes, one of them
``DELETE /project/:id`` registered twice): every route of upstream's in scope answers its method
here, and every route that relays an openapi operation names one openapi's console profile
serves.

Out of scope here: the WebSocket demo (/ws/*: /events is the live stream).

Besides: the oob-alert routes upstream's console SPA called at /oob-alert/ (its nginx sent them
to oob-alert) are served here under the same paths, and each is a route of oob-alert.
"""

from __future__ import annotations

import pytest

from bmp_common.testing.bff_routes import oob_alert_missing, probe, routes_of

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


@pytest.fixture(scope="module")
def answer():
    return probe(SETTINGS, routes_of(UPSTREAM), profile="console")


def test_every_upstream_route_in_scope_is_served(answer):
    assert len(routes_of(UPSTREAM)) + OUT_OF_SCOPE == 80
    assert answer["missing"] == []


def test_every_relayed_operation_is_on_openapis_console_profile(answer):
    assert answer["unserved"] == []


# -- out-of-band monitoring: upstream's SPA called oob-alert at /oob-alert/; the BFF serves it --


def test_the_oob_alert_routes_of_upstreams_spa_are_served_under_oob_alert():
    # ... and each is a route of oob-alert itself, where the BFF sends it.
    assert oob_alert_missing(SETTINGS, UPSTREAM_OOB) == (OOB_ROUTE_COUNT, [], [])

"""operation-api's route table against upstream bmp-operation-api's router (110 routes): every
route of upstream's in scope answers its method here, and every route that relays an openapi
operation names one openapi's operation profile serves.

Out of scope here: the WebSocket demo (/ws/*: /events is the live stream). Upstream routed
``DELETE /monitorRule/deleteRule`` to its edit handler; ours deletes.

Besides: the oob-alert routes upstream's operator SPA called at /oob-alert/ (its nginx sent them
to oob-alert) are served here under the same paths, and each is a route of oob-alert.
"""

from __future__ import annotations

import pytest

from bmp_common.testing.bff_routes import oob_alert_missing, probe, routes_of

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


@pytest.fixture(scope="module")
def answer():
    return probe(SETTINGS, routes_of(UPSTREAM), profile="operation")


def test_every_upstream_route_in_scope_is_served(answer):
    assert len(routes_of(UPSTREAM)) + OUT_OF_SCOPE == 110
    assert answer["missing"] == []


def test_every_relayed_operation_is_on_openapis_operation_profile(answer):
    assert answer["unserved"] == []


# -- out-of-band monitoring: upstream's SPA called oob-alert at /oob-alert/; the BFF serves it --


def test_the_oob_alert_routes_of_upstreams_spa_are_served_under_oob_alert():
    # ... and each is a route of oob-alert itself, where the BFF sends it.
    assert oob_alert_missing(SETTINGS, UPSTREAM_OOB) == (OOB_ROUTE_COUNT, [], [])

"""What the operators' console sends for its in-band charts, its device pages' instance actions
and disk association, and its binding tables (services/operation_web/src/api): each request
reaches a relay of an operation openapi's operation profile serves, by a method the route
relays, with query names it declares and a body its contract accepts. A request the contract
refuses would be openapi's 400 (a method the route lacks, a 405) in the browser."""

from __future__ import annotations

import pytest
from django.urls import resolve

from bmp_common.bff.views import OperationApi
from bmp_common.contract.client import profile_contract

URLCONF = "bmp_operation_api.urls"
PASSWORD = "Aa1!aaaa-x"  # a sample that matches the contract's pattern

# (method, path, query, body) as operation_web's api module builds them.
REQUESTS = [
    # In-band monitoring page and the device's performance tab (PerformanceCharts).
    (
        "GET",
        "/monitorData",
        {
            "instanceId": "i-1",
            "metricName": "bmp.cpu.util,bmp.avg.load5",
            "device": "sda",
            "startTime": 1,
            "endTime": 2,
            "timeInterval": 60,
            "downSampleType": "avg",
        },
        None,
    ),
    ("GET", "/monitorProxy/desrcibeAgentStatus", {"instanceId": "i-1"}, None),
    ("GET", "/monitorProxy/desrcibeTags", {"instanceId": "i-1", "tagName": "nic"}, None),
    # The monitoring page's instance choice: the sold devices of an IDC and a user.
    (
        "GET",
        "/devices/queryDevices",
        {"idcId": "idc-1", "manageStatus": "created", "isAll": 1, "userId": "u-1"},
        None,
    ),
    # Disks and the device type's volumes.
    ("GET", "/devices/d-1/disksDetail", {}, None),
    (
        "GET",
        "/devices/disks/describeAssociateDisks",
        {"deviceId": "d-1", "deviceTypeId": "dt-1", "volumeId": "v-1"},
        None,
    ),
    (
        "PUT",
        "/devices/disks/associateDisks",
        {},
        {
            "deviceId": "d-1",
            "deviceTypeId": "dt-1",
            "volumes": [{"volumeId": "v-1", "diskId": ["k-1", "k-2"]}],
        },
    ),
    # The instance on a sold device, one at a time.
    *(("POST", f"/instances/{action}/i-1", {}, None) for action in ("start", "stop", "restart")),
    *(("POST", f"/instances/{action}/i-1", {}, None) for action in ("lock", "unlock")),
    ("POST", "/instances/resetStatus/i-1", {}, None),
    ("DELETE", "/instances/i-1", {}, None),
    ("POST", "/instances/resetPasswd", {}, {"instanceId": "i-1", "password": PASSWORD}),
    (
        "POST",
        "/instances/reinstallInstance",
        {},
        {
            "instanceId": "i-1",
            "imageId": "img-1",
            "systemVolumeRaidId": "r-1",
            "instanceName": "web-1",
            "hostname": "web-1",
            "password": PASSWORD,
            "installBmpAgent": True,
        },
    ),
    # ... and several (the device list's batch menu).
    ("POST", "/instances/startInstances", {}, {"instanceIds": ["i-1", "i-2"]}),
    ("POST", "/instances/stopInstances", {}, {"instanceIds": ["i-1", "i-2"]}),
    ("POST", "/instances/restartInstances", {}, {"instanceIds": ["i-1", "i-2"]}),
    ("DELETE", "/instances/deleteInstances", {}, {"instance_ids": ["i-1", "i-2"]}),
    (
        "POST",
        "/instances/batchResetPasswd",
        {},
        {"instance_ids": ["i-1", "i-2"], "password": PASSWORD},
    ),
    # A device type's images and an image's device types (BindingTable). Upstream's portal
    # unbinds an image with a POST and a device type with a DELETE.
    ("POST", "/deviceTypes/associatedImage", {}, {"deviceTypeId": "dt-1", "imageIds": ["img-1"]}),
    ("POST", "/deviceTypes/dissociatedImage", {}, {"deviceTypeId": "dt-1", "imageId": "img-1"}),
    (
        "POST",
        "/images/associatedDeviceType",
        {},
        {"imageId": "img-1", "deviceTypeIds": ["dt-1"]},
    ),
    ("DELETE", "/images/dissociatedDeviceType", {}, {"imageId": "img-1", "deviceTypeId": "dt-1"}),
]


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    REQUESTS,
    ids=[f"{method} {path}" for method, path, _, _ in REQUESTS],
)
def test_the_console_request_fits_the_operation_it_reaches(method, path, query, body):
    view = resolve(path, urlconf=URLCONF).func.view_class
    assert issubclass(view, OperationApi), view
    assert method.lower() in view.operations, (path, method, view.operations)
    operation_id = view.operations[method.lower()]
    operation = profile_contract("operation").operation(operation_id)

    declared = set(operation.located("query"))
    sent = {view.query_names.get(name, name) for name in query}
    assert sent <= declared, sent - declared

    if body is None:
        assert not operation.body_required, operation_id
        return
    relayed = {k: v for k, v in body.items() if k not in set(view.body_to_path.values())}
    errors = [e.message for e in operation.body.iter_errors(relayed)]
    assert errors == [], (operation_id, errors)

"""A running instance of the admin's, rules made through the API, and pronoea's alert key."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from bmp_openapi.instances.models import Instance
from bmp_openapi.monitoring.services import alert_key_ensure

from ..catalog.data import ok
from ..instances.conftest import Stock, finish_job
from ..instances.conftest import project_id as project_id
from ..projects.helpers import Caller

CPU_TRIGGER = {
    "metric": "bmp.cpu.util",
    "period": 1,
    "calculation": "avg",
    "calculationUnit": "%",
    "operation": "gt",
    "threshold": 80,
    "times": 1,
    "noticeLevel": 2,
}
NOTICE = {
    "noticePeriod": 5,
    "effectiveIntervalStart": "00:00:00",
    "effectiveIntervalEnd": "23:59:59",
    "noticeCondition": [1, 2],
    "noticeWay": [1],
}


def rule_body(instance_ids, **changes) -> dict:
    return {
        "ruleName": "cpu high",
        "dimension": "instance",
        "resource": "instance",
        "instanceIds": list(instance_ids),
        "triggerOption": [dict(CPU_TRIGGER)],
        "noticeOption": dict(NOTICE),
        **changes,
    }


def alert_item(rule_id, instance_id, *, recover=False, value="93.50") -> dict:
    return {
        "ruleName": f"bmpInBand_{rule_id}_{instance_id}_bmp.cpu.util_",
        "ruleId": rule_id,
        "instanceId": instance_id,
        "trigger": quote(json.dumps(CPU_TRIGGER)),
        "calculationUnit": "%",
        "alertValue": value,
        "alertTimestamp": 1_800_000_000,
        "alertPeriod": 1,
        "isRecover": 1 if recover else 0,
    }


@pytest.fixture
def stock(admin_api):
    return Stock(admin_api, 2)


@pytest.fixture
def instances(admin_api, stock, project_id):
    body = stock.create_body(project_id, count=2)
    ids = ok(admin_api.post("/v1/project/instances", body, format="json"))["instanceIds"]
    for instance_id in ids:
        assert finish_job(Instance.objects.get(instance_id=instance_id).job_id, power="on")
    return ids


@pytest.fixture
def rule_id(admin_api, instances):
    return ok(admin_api.post("/v1/monitorRule/addRule", rule_body(instances), format="json"))[
        "ruleId"
    ]


@pytest.fixture
def pronoea(admin):
    """pronoea's client: the console profile, with the alert key bmp_bootstrap makes."""
    return Caller(None, alert_key_ensure(), console=True)

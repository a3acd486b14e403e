"""Alert rules through the API: made for instances the caller sees, listed, described, edited,
enabled and disabled; deleted only once disabled; gone with their instances or project."""

from __future__ import annotations

from bmp_openapi.audit.models import AuditLog
from bmp_openapi.instances.models import Instance
from bmp_openapi.monitoring.models import MonitorRule

from ..catalog.data import ok
from ..instances.conftest import finish_job
from ..projects.helpers import Caller, error
from .conftest import CPU_TRIGGER, rule_body


def describe(api, rule_id, **headers):
    return ok(api.get(f"/v1/monitorRule/describeRule?ruleId={rule_id}", **headers))


def test_a_rule_is_made_for_the_instances_and_described_as_upstream_does(
    admin_api, instances, rule_id
):
    rule = describe(admin_api, rule_id)

    assert rule["ruleName"] == "cpu high"
    assert rule["status"] == 1 and rule["statusName"] == "Normal"
    assert rule["instanceIds"] == instances and rule["instanceCount"] == 2
    assert [i["instanceId"] for i in rule["instances"]] == instances
    assert rule["triggerOption"][0]["tableName"] == "bmp_monitor_gauge"
    assert rule["triggerDescription"] == [
        "static period 1minutes CPU Usage Avg > 80% continue 1periods"
    ]
    assert rule["noticeOption"]["noticeWay"] == [1]
    assert rule["noticeOption"]["userName"] == "admin"
    assert AuditLog.objects.filter(operation="AddRule", resource_id=rule_id).exists()


def test_the_trigger_reads_in_chinese(admin_api, rule_id):
    rule = describe(admin_api, rule_id, HTTP_BMPLANGUAGE="zh_CN")

    assert rule["triggerDescription"] == ["统计周期 1分钟 CPU使用率 平均值 > 80% 持续 1个周期"]
    assert rule["statusName"] == "正常"


def test_a_counter_rule_is_on_the_counter_table(admin_api, instances):
    trigger = {**CPU_TRIGGER, "metric": "bmp.network.bytes.ingress", "calculationUnit": "bps"}
    body = rule_body(instances, dimension="nic", deviceTag="eth0", triggerOption=[trigger])
    rule_id = ok(admin_api.post("/v1/monitorRule/addRule", body, format="json"))["ruleId"]

    rule = describe(admin_api, rule_id)
    assert rule["triggerOption"][0]["tableName"] == "bmp_monitor_counter"
    assert rule["deviceTag"] == "eth0" and rule["dimensionName"] == "nic"


def test_unknown_instances_are_named_and_nothing_is_made(admin_api, instances):
    body = rule_body([instances[0], "bmp-nosuch"])

    message = error(admin_api.post("/v1/monitorRule/addRule", body, format="json"), 404)

    assert "bmp-nosuch" in message and instances[0] not in message
    assert not MonitorRule.objects.exists()


def test_a_bad_trigger_is_refused_naming_the_field(admin_api, instances):
    body = rule_body(instances, triggerOption=[{**CPU_TRIGGER, "metric": "cps.cpu.util"}])

    answer = admin_api.post("/v1/monitorRule/addRule", body, format="json")

    assert answer.status_code == 400 and "metric" in answer.json()["error"]["message"]


def test_notice_choices_that_are_not_integers_are_refused_naming_the_field(admin_api, instances):
    body = rule_body(instances)
    body["noticeOption"]["noticeCondition"] = ["__not_in_enum__"]  # the fuzzer's find: a 500

    answer = admin_api.post("/v1/monitorRule/addRule", body, format="json")

    assert answer.status_code == 400, answer.json()
    assert "noticeCondition" in answer.json()["error"]["message"]
    assert not MonitorRule.objects.exists()


def test_a_tenant_sees_neither_others_instances_nor_their_rules(
    admin_api, instances, rule_id, make_user
):
    _, token = make_user("tom", role_id="role-user-uuid-01", source="console")
    tom = Caller(None, token, console=True)

    assert error(tom.post("/v1/monitorRule/addRule", rule_body(instances)), 404)
    assert error(tom.get(f"/v1/monitorRule/describeRule?ruleId={rule_id}"), 404)
    assert ok(tom.get("/v1/monitorRule/describeRules"))["totalCount"] == 0
    assert error(tom.put("/v1/monitorRule/disableRule", {"ruleId": rule_id}), 404)


def test_staff_read_every_rule_but_change_only_their_own(admin_api, rule_id, make_user):
    _, token = make_user("olga")
    olga = Caller(None, token)

    assert ok(olga.get("/v1/monitorRule/describeRules"))["totalCount"] == 1
    assert error(olga.put("/v1/monitorRule/disableRule", {"ruleId": rule_id}), 404)


def test_list_filters(admin_api, instances, rule_id):
    def count(query):
        return ok(admin_api.get(f"/v1/monitorRule/describeRules?{query}"))["totalCount"]

    assert count("ruleName=cpu") == 1
    assert count("ruleName=disk") == 0
    assert count("status=1") == 1
    assert count("status=2") == 0
    assert count(f"ruleId={rule_id}") == 1


def test_disable_enable_and_delete_only_once_disabled(admin_api, rule_id):
    def put(action):
        return admin_api.put(f"/v1/monitorRule/{action}", {"ruleId": rule_id}, format="json")

    delete = admin_api.delete("/v1/monitorRule/deleteRule", {"ruleId": rule_id}, format="json")
    assert "disable it" in error(delete, 409)
    assert "not disabled" in error(put("enableRule"), 409)

    ok(put("disableRule"))
    assert describe(admin_api, rule_id)["status"] == 2
    assert "already disabled" in error(put("disableRule"), 409)
    ok(put("enableRule"))
    assert describe(admin_api, rule_id)["status"] == 1
    ok(put("disableRule"))
    ok(admin_api.delete("/v1/monitorRule/deleteRule", {"ruleId": rule_id}, format="json"))

    assert error(admin_api.get(f"/v1/monitorRule/describeRule?ruleId={rule_id}"), 404)
    assert MonitorRule.all_objects.get(rule_id=rule_id).delete_marker  # kept, soft-deleted


def test_edit_replaces_the_definition_and_the_instances(admin_api, instances, rule_id):
    body = {**rule_body(instances[:1], ruleName="cpu very high"), "ruleId": rule_id}
    body["triggerOption"][0]["threshold"] = 95.5

    ok(admin_api.put("/v1/monitorRule/editRule", body, format="json"))

    rule = describe(admin_api, rule_id)
    assert rule["ruleName"] == "cpu very high" and rule["instanceIds"] == instances[:1]
    assert rule["triggerOption"][0]["threshold"] == 95.5


def test_a_deleted_instance_leaves_its_rules_and_the_last_one_takes_the_rule(
    admin_api, instances, rule_id
):
    def delete_instance(instance_id):
        ok(admin_api.put(f"/v1/project/instances/{instance_id}/stop", {}, format="json"))
        assert finish_job(Instance.objects.get(instance_id=instance_id).job_id, power="off")
        ok(admin_api.delete(f"/v1/project/instances/{instance_id}"))
        assert finish_job(Instance.all_objects.get(instance_id=instance_id).job_id, power="off")

    delete_instance(instances[0])
    assert describe(admin_api, rule_id)["instanceIds"] == instances[1:]

    delete_instance(instances[1])
    assert error(admin_api.get(f"/v1/monitorRule/describeRule?ruleId={rule_id}"), 404)

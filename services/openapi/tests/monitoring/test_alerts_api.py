"""Alerts: pronoea's webhook posts them with the `alert` key (nobody else may); a firing alert
makes the rule alarm and tells the owner, a recovery puts it back to normal; alerts are listed,
described and deleted by their owner."""

from __future__ import annotations

import datetime
import zoneinfo

from bmp_openapi.inbox.models import Message
from bmp_openapi.monitoring.models import MonitorAlert

from ..catalog.data import ok
from ..projects.helpers import Caller, error
from .conftest import alert_item, rule_body


def rule(api, rule_id):
    return ok(api.get(f"/v1/monitorRule/describeRule?ruleId={rule_id}"))


def post_alerts(pronoea, *items):
    return pronoea.post("/v1/monitorAlert/addAlert", {"alerts": list(items)})


def test_a_firing_alert_is_recorded_alarms_the_rule_and_tells_the_owner(
    admin_api, pronoea, instances, rule_id
):
    ok(post_alerts(pronoea, alert_item(rule_id, instances[0])))

    assert rule(admin_api, rule_id)["status"] == 3
    alerts = ok(admin_api.get(f"/v1/monitorAlert/describeAlerts?ruleId={rule_id}"))
    assert alerts["totalCount"] == 1
    alert = alerts["instances"][0]
    assert alert["resourceId"] == instances[0] and alert["alertValue"] == "93.50%"
    assert alert["alertLevel"] == 2 and alert["alertLevelDescription"] == "Serious"
    assert alert["rule"]["ruleId"] == rule_id
    message = Message.objects.get(message_type="inbond-alert")
    assert message.message_sub_type == "bmp.cpu.util"
    assert message.user.user_name == "admin" and message.instance_id == instances[0]
    assert "alert value:93.50%" in message.content


def test_a_recovery_puts_the_rule_back_once_no_instance_alarms_and_tells_the_owner(
    admin_api, pronoea, instances, rule_id
):
    ok(post_alerts(pronoea, alert_item(rule_id, instances[0]), alert_item(rule_id, instances[1])))

    ok(post_alerts(pronoea, alert_item(rule_id, instances[0], recover=True, value="10.00")))
    assert rule(admin_api, rule_id)["status"] == 3  # the other one still alarms

    ok(post_alerts(pronoea, alert_item(rule_id, instances[1], recover=True, value="10.00")))
    assert rule(admin_api, rule_id)["status"] == 1
    assert MonitorAlert.objects.count() == 2  # recoveries are notices, not alerts
    recoveries = Message.objects.filter(content__startswith="[recovered]")
    assert recoveries.count() == 2


def test_no_recovery_notice_unless_the_rule_asks(admin_api, pronoea, instances):
    body = rule_body(instances)
    body["noticeOption"]["noticeCondition"] = [1]
    rule_id = ok(admin_api.post("/v1/monitorRule/addRule", body, format="json"))["ruleId"]

    ok(post_alerts(pronoea, alert_item(rule_id, instances[0])))
    ok(post_alerts(pronoea, alert_item(rule_id, instances[0], recover=True)))

    assert Message.objects.filter(message_type="inbond-alert").count() == 1
    assert rule(admin_api, rule_id)["status"] == 1


def test_outside_the_notice_window_the_alert_is_kept_but_nobody_is_told(
    admin_api, pronoea, instances
):
    now = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai"))  # the admin's timezone
    start, end = now + datetime.timedelta(hours=2), now + datetime.timedelta(hours=3)
    if end.date() != start.date():  # keep the window inside one day
        start, end = now - datetime.timedelta(hours=3), now - datetime.timedelta(hours=2)
    body = rule_body(instances)
    body["noticeOption"]["effectiveIntervalStart"] = start.strftime("%H:%M:%S")
    body["noticeOption"]["effectiveIntervalEnd"] = end.strftime("%H:%M:%S")
    rule_id = ok(admin_api.post("/v1/monitorRule/addRule", body, format="json"))["ruleId"]

    ok(post_alerts(pronoea, alert_item(rule_id, instances[0])))

    assert MonitorAlert.objects.count() == 1
    assert not Message.objects.filter(message_type="inbond-alert").exists()


def test_alerts_of_a_disabled_rule_or_another_instance_are_dropped(
    admin_api, pronoea, instances, rule_id
):
    edit = {**rule_body(instances[:1]), "ruleId": rule_id}
    ok(admin_api.put("/v1/monitorRule/editRule", edit, format="json"))
    ok(post_alerts(pronoea, alert_item(rule_id, instances[1])))
    ok(admin_api.put("/v1/monitorRule/disableRule", {"ruleId": rule_id}, format="json"))
    ok(post_alerts(pronoea, alert_item(rule_id, instances[0]), alert_item("mr-gone", "bmp-x")))

    assert not MonitorAlert.objects.exists()
    assert rule(admin_api, rule_id)["status"] == 2


def test_only_the_alert_key_may_post_alerts(admin_api, instances, rule_id, make_user):
    _, token = make_user("tom", role_id="role-user-uuid-01", source="console")
    tom = Caller(None, token, console=True)
    _, admin_console = make_user("ada", role_id="role-admin-uuid-01", source="console")

    assert error(post_alerts(tom, alert_item(rule_id, instances[0])), 403)
    admin = Caller(None, admin_console, console=True)
    assert error(post_alerts(admin, alert_item(rule_id, instances[0])), 403)
    assert not MonitorAlert.objects.exists()


def test_the_alert_key_may_do_nothing_else(pronoea, rule_id):
    answer = pronoea.get(f"/v1/monitorRule/describeRule?ruleId={rule_id}")

    assert answer.status_code == 403


def test_a_malformed_trigger_is_refused(pronoea, instances, rule_id):
    item = {**alert_item(rule_id, instances[0]), "trigger": "%7Bnot json"}

    answer = post_alerts(pronoea, item)

    assert answer.status_code == 400 and "trigger" in answer.json()["error"]["message"]


def test_describe_and_delete_an_alert(admin_api, pronoea, instances, rule_id):
    ok(post_alerts(pronoea, alert_item(rule_id, instances[0])))
    alert_id = MonitorAlert.objects.get().alert_id

    alert = ok(admin_api.get(f"/v1/monitorAlert/describeAlert?alertId={alert_id}"))
    assert alert["instance"]["instanceId"] == instances[0]
    assert alert["rule"]["ruleName"] == "cpu high"
    assert "CPU Usage Avg > 80%" in alert["triggerDescription"]

    ok(admin_api.delete("/v1/monitorAlert/deleteAlert", {"alertId": alert_id}, format="json"))
    assert error(admin_api.get(f"/v1/monitorAlert/describeAlert?alertId={alert_id}"), 404)


def test_alert_list_filters_by_time_and_instance(admin_api, pronoea, instances, rule_id):
    early = {**alert_item(rule_id, instances[0]), "alertTimestamp": 1_700_000_000}
    ok(post_alerts(pronoea, early, alert_item(rule_id, instances[1])))

    def count(query):
        return ok(admin_api.get(f"/v1/monitorAlert/describeAlerts?{query}"))["totalCount"]

    assert count("") == 2
    assert count("startTime=1750000000") == 1
    assert count("endTime=1750000000") == 1
    assert count(f"resourceId={instances[0]}") == 1

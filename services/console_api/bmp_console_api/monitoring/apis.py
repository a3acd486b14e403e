"""In-band monitoring: alarm rules, their alerts, the charts' series and the agents' state.
Each route is one openapi operation (its ``monitoring`` app), relayed as the session's user:
openapi keeps a tenant to the rules, alerts and instances that are theirs, and asks pronoea
(series) and the monitor-proxy (agent status, device tags) itself.

Upstream's paths, methods and bodies; rule and alert ids travel in the body or the query as
upstream's console sends them.
"""

from __future__ import annotations

from bmp_common.bff.excel import Column, Export, joined, minutes, unix_time
from bmp_common.bff.views import relay

# Upstream's rule export (bmp-console-api ExportRules).
RULE_COLUMNS = (
    Column("规则名称", "Rule Name", "ruleName"),
    Column("规则ID", "Rule ID", "ruleId"),
    Column("资源类型", "Resource Type", "resourceName"),
    Column("实例关联数量", "Instance associated number", "instanceCount"),
    Column("触发条件", "Triggering conditions", joined("triggerDescription")),
    Column("状态", "Status", "statusName"),
)
# Upstream's alert export (bmp-console-api ExportAlerts); times in UTC.
ALERT_COLUMNS = (
    Column("报警时间", "Alarm time", unix_time("alertTime")),
    Column("报警资源ID", "Alarm Resources ID", "resourceId"),
    Column("触发条件", "Trigger conditions", "triggerDescription"),
    Column("报警值", "Alarm value", "alertValue"),
    Column("报警级别", "Alarm level", "alertLevelDescription"),
    Column("持续时间", "duration", minutes("alertPeriod")),
    Column("通知对象", "Notification object", "userName"),
)

# /monitorRule/<name>
RULES = {
    "addRule": relay({"post": "addRule"}),
    "describeRule": relay({"get": "describeRule"}),
    "describeRules": relay(
        {"get": "describeRules"}, export=Export("rule_list", "rules", RULE_COLUMNS)
    ),
    "editRule": relay({"put": "editRule"}),
    "enableRule": relay({"put": "enableRule"}),
    "disableRule": relay({"put": "disableRule"}),
    "deleteRule": relay({"delete": "deleteRule"}),
}
# /monitorAlert/<name> (alerts are listed under ``instances``, as upstream)
ALERTS = {
    "describeAlert": relay({"get": "describeAlert"}),
    "describeAlerts": relay(
        {"get": "describeAlerts"}, export=Export("alert_list", "instances", ALERT_COLUMNS)
    ),
    "deleteAlert": relay({"delete": "deleteAlert"}),
}
# GET /monitorData: the series of an instance's metrics (openapi asks pronoea).
MonitorDataApi = relay({"get": "getMonitorData"})
# /monitorProxy/<name> (upstream's spelling): what the monitor-proxy knows of the agents.
PROXY = {
    "desrcibeAgentStatus": relay({"get": "desrcibeAgentStatus"}),
    "desrcibeTags": relay({"get": "desrcibeTags"}),
}

"""In-band monitoring as an operator sees it: every user's alarm rules and alerts, any
instance's charts and agent. Each route is one openapi operation (its ``monitoring`` app) on
the operation profile; openapi asks pronoea and the monitor-proxy itself.

Upstream routed ``DELETE /monitorRule/deleteRule`` to its edit handler; here it deletes.
"""

from __future__ import annotations

from bmp_operation_api import exports
from bmp_operation_api.relay import relay

# /monitorRule/<name>
RULES = {
    "addRule": relay({"post": "addRule"}),
    "describeRule": relay({"get": "describeRule"}),
    "describeRules": relay({"get": "describeRules"}, export=exports.MONITOR_RULES),
    "editRule": relay({"put": "editRule"}),
    "enableRule": relay({"put": "enableRule"}),
    "disableRule": relay({"put": "disableRule"}),
    "deleteRule": relay({"delete": "deleteRule"}),
}
# /monitorAlert/<name>
ALERTS = {
    "describeAlert": relay({"get": "describeAlert"}),
    "describeAlerts": relay({"get": "describeAlerts"}, export=exports.MONITOR_ALERTS),
    "deleteAlert": relay({"delete": "deleteAlert"}),
}
MonitorDataApi = relay({"get": "getMonitorData"})
# /monitorProxy/<name> (upstream's spelling)
PROXY = {
    "desrcibeAgentStatus": relay({"get": "desrcibeAgentStatus"}),
    "desrcibeTags": relay({"get": "desrcibeTags"}),
}

from bmp_openapi.core.routing import api
from bmp_openapi.monitoring import apis

ROUTES = [
    api("monitorRule/addRule", apis.AddRuleApi, "monitor-rule-add"),
    api("monitorRule/editRule", apis.EditRuleApi, "monitor-rule-edit"),
    api("monitorRule/enableRule", apis.EnableRuleApi, "monitor-rule-enable"),
    api("monitorRule/disableRule", apis.DisableRuleApi, "monitor-rule-disable"),
    api("monitorRule/deleteRule", apis.DeleteRuleApi, "monitor-rule-delete"),
    api("monitorRule/describeRule", apis.DescribeRuleApi, "monitor-rule"),
    api("monitorRule/describeRules", apis.DescribeRulesApi, "monitor-rules"),
    api("monitorAlert/addAlert", apis.AddAlertApi, "monitor-alert-add"),
    api("monitorAlert/deleteAlert", apis.DeleteAlertApi, "monitor-alert-delete"),
    api("monitorAlert/describeAlert", apis.DescribeAlertApi, "monitor-alert"),
    api("monitorAlert/describeAlerts", apis.DescribeAlertsApi, "monitor-alerts"),
    api("monitorData", apis.MonitorDataApi, "monitor-data"),
    api("monitorProxy/desrcibeAgentStatus", apis.AgentStatusApi, "monitor-agent-status"),
    api("monitorProxy/desrcibeTags", apis.DeviceTagsApi, "monitor-device-tags"),
    api(
        "offline/monitorRules/checkDiffFromPronoea",
        apis.CheckDiffFromPronoeaApi,
        "monitor-rules-diff",
    ),
    api("offline/monitorAgent/check", apis.AgentCheckApi, "monitor-agent-check"),
    api("offline/monitorAgent/softwareRaid", apis.SoftwareRaidReportApi, "monitor-agent-raid"),
]

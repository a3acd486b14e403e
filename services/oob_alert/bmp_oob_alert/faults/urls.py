from django.urls import path

from bmp_oob_alert.faults import apis

V1 = "v1/oob-alert/"

urlpatterns = [
    path(V1 + "device/status", apis.DeviceStatusApi.as_view()),
    path(V1 + "logs", apis.LogsApi.as_view()),
    path(V1 + "consolelogs", apis.ConsoleLogsApi.as_view()),
    path(V1 + "logs/deal", apis.LogDealApi.as_view()),
    path(V1 + "rules/alert-spec-list", apis.AlertSpecListApi.as_view()),
    path(V1 + "rules/alert-level-list", apis.AlertLevelListApi.as_view()),
    path(V1 + "rules", apis.RulesApi.as_view()),
    path(V1 + "rules/change-push", apis.ChangePushApi.as_view()),
    path(V1 + "rules/change-use", apis.ChangeUseApi.as_view()),
    path(V1 + "rules/reset", apis.RulesResetApi.as_view()),
    path(V1 + "custom/set-custom-info", apis.SetCustomInfoApi.as_view()),
    path(V1 + "custom/get-custom-info", apis.GetCustomInfoApi.as_view()),
    path("describeInstanceMonitor/", apis.InstanceMonitorApi.as_view()),
    path("inner/describeInstanceMonitor", apis.InstanceMonitorApi.as_view()),
    path("inner/trigPowerStatusReport", apis.PowerStatusReportApi.as_view()),
    path("inner/trigDailyReport", apis.DailyReportApi.as_view()),
    # oob-agent's (ours)
    path(V1 + "agent/cursors", apis.AgentCursorsApi.as_view()),
    path(V1 + "agent/reports", apis.AgentReportsApi.as_view()),
    path(V1 + "agent/roster", apis.AgentRosterApi.as_view()),
]

from django.urls import path

from bmp_scheduler.gateway import apis

urlpatterns = [
    path("boot/ipxe", apis.IpxeScriptApi.as_view(), name="boot-ipxe"),
    path("boot/agent.cpio", apis.AgentTokenArchiveApi.as_view(), name="boot-agent-cpio"),
    path("agent/heartbeat", apis.HeartbeatApi.as_view(), name="agent-heartbeat"),
    path("agent/result", apis.ResultApi.as_view(), name="agent-result"),
    path("agent/results", apis.ResultsApi.as_view(), name="agent-results"),
]

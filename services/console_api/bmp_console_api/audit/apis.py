"""An instance's operation log (upstream's console "operation log" tab): openapi's audit trail
as the console profile serves it, the entries of the instances the user sees.

Upstream's console-api took ``instanceId`` and ``userName`` where openapi-console reads
``instance_id`` and ``username``: the routes take the console's names.
"""

from __future__ import annotations

from bmp_common.bff.excel import Column, Export, text, unix_time
from bmp_common.bff.views import relay

# Upstream's audit-log export (bmp-console-api ExportAuditLogs); times in UTC.
AUDIT_LOG_COLUMNS = (
    Column("LogID", "LogID", "logid"),
    Column("操作名称", "Operation Name", "operationName"),
    Column("操作人", "Operator", "userName"),
    Column("操作时间", "Operation Time", unix_time("operateTime")),
    Column(
        "操作反馈",
        "Operation Feedback",
        text(
            {"success": ("操作成功", "Operation Success"), "fail": ("操作失败", "Operation Fail")},
            "result",
        ),
    ),
    Column("错误码", "Fault Info", "failReason"),
)

AuditLogsApi = relay(
    {"get": "describeAuditLogs"},
    query_names={"instanceId": "instance_id", "userName": "username"},
    export=Export("auditlogs_list", "auditLogs", AUDIT_LOG_COLUMNS),
)
AuditLogTypesApi = relay({"get": "describeAuditLogTypes"})

"""The audit trail: who did what, and the kinds of operation it records."""

from __future__ import annotations

from bmp_operation_api import exports
from bmp_operation_api.relay import relay

AuditLogsApi = relay({"get": "describeAuditLogs"}, export=exports.AUDIT_LOGS)
AuditLogTypesApi = relay({"get": "describeAuditLogTypes"})

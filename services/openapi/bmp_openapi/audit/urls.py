from bmp_openapi.audit import apis
from bmp_openapi.core.routing import api

ROUTES = [
    api("auditLogs", apis.AuditLogListApi, "describe-audit-logs"),
    api("auditLogs/types", apis.AuditLogTypesApi, "describe-audit-log-types"),
]

from bmp_common.bff.views import route
from bmp_console_api.audit import apis

ROUTES = [
    route("auditLogs", apis.AuditLogsApi.as_view()),
    route("auditLogs/types", apis.AuditLogTypesApi.as_view()),
]

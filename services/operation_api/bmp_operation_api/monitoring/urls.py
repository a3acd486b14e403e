from bmp_common.bff.views import route
from bmp_operation_api.monitoring import apis

ROUTES = [
    *(route(f"monitorRule/{name}", view.as_view()) for name, view in apis.RULES.items()),
    *(route(f"monitorAlert/{name}", view.as_view()) for name, view in apis.ALERTS.items()),
    route("monitorData", apis.MonitorDataApi.as_view()),
    *(route(f"monitorProxy/{name}", view.as_view()) for name, view in apis.PROXY.items()),
]

from bmp_common.bff.views import route
from bmp_console_api.instances import apis

ROUTES = [
    route("instance", apis.InstancesApi.as_view()),
    route("instance/forshare/list", apis.SharedInstancesApi.as_view()),
    *(route(f"instance/{name}", view.as_view()) for name, view in apis.ACTIONS.items()),
    route(r"instance/(?P<instance_id>[^/]+)", apis.InstanceApi.as_view()),
]

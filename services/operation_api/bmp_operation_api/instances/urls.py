from bmp_common.bff.views import route
from bmp_operation_api.instances import apis

ROUTES = [
    *(route(f"instances/{name}", view.as_view()) for name, view in apis.BODY_ACTIONS.items()),
    *(
        route(rf"instances/{name}/(?P<instance_id>[^/]+)", view.as_view())
        for name, view in apis.PATH_ACTIONS.items()
    ),
    route(r"instances/(?P<instance_id>[^/]+)", apis.InstanceApi.as_view()),
]

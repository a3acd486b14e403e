from bmp_common.bff.views import route
from bmp_console_api.projects import apis

ROUTES = [
    route("project", apis.ProjectsApi.as_view()),
    route("project/move/instances", apis.ProjectMoveInstancesApi.as_view()),
    route(r"project/(?P<project_id>[^/]+)", apis.ProjectApi.as_view()),
    route(r"project/(?P<project_id>[^/]+)/description", apis.ProjectDescriptionApi.as_view()),
    route(r"project/(?P<project_id>[^/]+)/share", apis.ProjectShareApi.as_view()),
    route(r"project/(?P<project_id>[^/]+)/cancelShare", apis.ProjectCancelShareApi.as_view()),
    route(r"project/(?P<project_id>[^/]+)/move", apis.ProjectMoveApi.as_view()),
]

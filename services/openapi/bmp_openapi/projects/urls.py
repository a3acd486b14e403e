from bmp_openapi.core.routing import api
from bmp_openapi.projects import apis

ROUTES = [
    api("user/projects", apis.ProjectListCreateApi, "projects"),
    api("user/projects/<str:project_id>", apis.ProjectDetailApi, "project"),
    api("user/projects/<str:project_id>/share", apis.ProjectShareApi, "project-share"),
    api(
        "user/projects/<str:project_id>/cancelShare",
        apis.ProjectCancelShareApi,
        "project-cancel-share",
    ),
    api(
        "user/projects/<str:project_id>/describeSharProject",
        apis.ProjectSharesApi,
        "project-shares",
    ),
    api(
        "user/projects/<str:project_id>/description",
        apis.ProjectDescriptionApi,
        "project-description",
    ),
    api("user/projects/<str:project_id>/move", apis.ProjectMoveApi, "project-move"),
]

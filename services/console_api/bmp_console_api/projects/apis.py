"""Projects: the user's own and those shared with them; sharing, moving."""

from __future__ import annotations

from bmp_common.bff.views import OperationApi


class ProjectsApi(OperationApi):
    """PUT /project: a new project; GET /project: the user's projects."""

    operations = {"put": "createUserProject", "get": "describeUserProjects"}


class ProjectApi(OperationApi):
    """GET, POST (rename), DELETE /project/:id."""

    operations = {
        "get": "describeUserProject",
        "post": "modifyUserProject",
        "delete": "deleteUserProject",
    }
    url_to_path = {"project_id": "project_id"}


class ProjectDescriptionApi(OperationApi):
    operations = {"post": "modifyUserProjectDescription"}
    url_to_path = {"project_id": "project_id"}


class ProjectShareApi(OperationApi):
    operations = {"put": "shareUserProject"}
    url_to_path = {"project_id": "project_id"}


class ProjectCancelShareApi(OperationApi):
    operations = {"put": "cancelShareUserProject"}
    url_to_path = {"project_id": "project_id"}


class ProjectMoveApi(OperationApi):
    operations = {"put": "moveUserProject"}
    url_to_path = {"project_id": "project_id"}


class ProjectMoveInstancesApi(OperationApi):
    operations = {"put": "moveUserInstances"}

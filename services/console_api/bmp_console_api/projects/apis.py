"""Projects: the user's own and those shared with them; sharing, moving."""

from __future__ import annotations

from bmp_common.bff.excel import Column, Export, text
from bmp_common.bff.views import OperationApi

# Upstream's project export (bmp-console-api ExportProject).
PROJECT_COLUMNS = (
    Column("项目名称", "ProjectName", "projectName"),
    Column("项目ID", "ProjectID", "projectId"),
    Column(
        "项目协作状态",
        "sharedStatus",
        text({1: ("拥有者", "Owner"), 2: ("共享者", "collaborator")}, "owned"),
    ),
    Column("实例数", "Instances", "instanceCount"),
    Column("创建时间", "CreateTime", "createdTime"),
    Column("更新时间", "UpdateTime", "updatedTime"),
)


class ProjectsApi(OperationApi):
    """PUT /project: a new project; GET /project: the user's projects (?exportType=xlsx)."""

    operations = {"put": "createUserProject", "get": "describeUserProjects"}
    export = Export("project_list", "projects", PROJECT_COLUMNS)


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

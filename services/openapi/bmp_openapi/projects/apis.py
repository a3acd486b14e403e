"""Project endpoints (tag ``project``): parse, call one service or selector, render.

The console also serves upstream's console extras: describeShareProject,
modifyUserProjectDescription and moveUserProject.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import (
    StrictCharField,
    StrictIntegerField,
    StrictSerializer,
    filter_field,
    name_field,
    text_field,
)
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.projects import selectors, services
from bmp_openapi.projects.models import Permission
from bmp_openapi.projects.serializers import (
    ProjectOutputSerializer,
    SharingProjectOutputSerializer,
    project_name_field,
)


def render_projects(request, projects, *, many=False):
    items = list(projects) if many else [projects]
    shares = [share for project in items for share in project.shares.all()]
    context = {
        "request": request,
        "counts": selectors.instance_counts(items, request.user),
        "shared_instance_ids": selectors.shared_instance_ids(shares),
    }
    return ProjectOutputSerializer(projects, many=many, context=context).data


class ProjectListCreateApi(BmpApi):
    """describeUserProjects (GET), createUserProject (POST)"""

    rules = {"get": rbac.OWN, "post": rbac.OWN}
    audit = {"post": "CreateProject"}

    class FilterSerializer(PageQuerySerializer):
        projectName = filter_field(64)
        owned = StrictIntegerField(min_value=0, max_value=2, required=False)

    class InputSerializer(StrictSerializer):
        projectName = project_name_field()
        isDefault = StrictIntegerField(min_value=0, max_value=1, required=False)
        isSystem = StrictIntegerField(min_value=0, max_value=1, required=False)

    def get(self, request):
        projects = selectors.project_list(actor=request.user, filters=self.query)
        items, page = paginate(projects, self.query)
        return Response(list_result("projects", render_projects(request, items, many=True), page))

    def post(self, request):
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        project = services.project_create(
            project_name=values["projectName"],
            is_default=bool(values.get("isDefault")),
            is_system=bool(values.get("isSystem")),
            actor=request.user,
        )
        self.audit_resource = project.project_id
        return Response({"projectId": project.project_id})


class ProjectDetailApi(BmpApi):
    """describeUserProject (GET), modifyUserProject (PUT), deleteUserProject (DELETE)"""

    rules = {"get": rbac.OWN, "put": rbac.OWN, "delete": rbac.OWN}
    audit = {"put": "ModifyProject", "delete": "DeleteProject"}

    class ModifySerializer(StrictSerializer):
        projectName = project_name_field()

    def get(self, request, project_id):
        project = selectors.project_get(project_id=project_id, actor=request.user)
        return Response({"project": render_projects(request, project)})

    def put(self, request, project_id):
        self.audit_resource = project_id
        project = selectors.project_get_owned(project_id=project_id, actor=request.user)
        body = self.ModifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.project_modify(
            project=project, project_name=body.validated_data["projectName"], actor=request.user
        )
        return Response(SUCCESS)

    def delete(self, request, project_id):
        self.audit_resource = project_id
        project = selectors.project_get_owned(project_id=project_id, actor=request.user)
        services.project_delete(project=project, actor=request.user)
        return Response(SUCCESS)


class ProjectShareApi(BmpApi):
    """shareUserProject (PUT): only the owner shares, with an existing user other than
    themselves, the whole project or some of its instances; sharing again changes what is
    shared and the permission."""

    rules = {"put": rbac.OWN}
    audit = {"put": "ShareProject"}

    class InputSerializer(StrictSerializer):
        ownerID = name_field(64)
        sharerID = name_field(64)
        permission = serializers.ChoiceField(
            choices=Permission.choices, required=False, default=Permission.READ
        )
        # Upstream's console: "all", or some of the project's instance ids, comma-separated.
        instanceIDs = StrictCharField(
            min_length=1, max_length=6500, required=False, default=services.WHOLE_PROJECT
        )

        def validate_instanceIDs(self, value: str) -> list[str] | None:
            if value.strip() == services.WHOLE_PROJECT:
                return None
            ids = list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
            if not ids:
                raise serializers.ValidationError('say "all" or name at least one instance id')
            return ids

    def put(self, request, project_id):
        self.audit_resource = project_id
        project = selectors.project_get_owned(project_id=project_id, actor=request.user)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.project_share(
            project=project,
            owner_id=data["ownerID"],
            sharer_id=data["sharerID"],
            permission=data["permission"],
            instance_ids=data["instanceIDs"],
            actor=request.user,
        )
        return Response(SUCCESS)


class ProjectCancelShareApi(BmpApi):
    """cancelShareUserProject (PUT): the owner ends a share, or the sharer leaves it."""

    rules = {"put": rbac.OWN}
    audit = {"put": "CancelShareProject"}

    class InputSerializer(StrictSerializer):
        ownerID = name_field(64)
        sharerID = name_field(64)

    def put(self, request, project_id):
        self.audit_resource = project_id
        project = selectors.project_get(project_id=project_id, actor=request.user)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.project_cancel_share(
            project=project,
            owner_id=body.validated_data["ownerID"],
            sharer_id=body.validated_data["sharerID"],
            actor=request.user,
        )
        return Response(SUCCESS)


class ProjectSharesApi(BmpApi):
    """describeShareProject (GET, console): the shares of a project the caller can see."""

    rules = {"get": rbac.CONSOLE_ONLY}

    def get(self, request, project_id):
        project = selectors.project_get(project_id=project_id, actor=request.user)
        shares = selectors.visible_shares(project, request.user)
        context = {"request": request, "shared_instance_ids": selectors.shared_instance_ids(shares)}
        rows = SharingProjectOutputSerializer(shares, many=True, context=context).data
        return Response({"projectId": project.project_id, "shares": rows})


class ProjectDescriptionApi(BmpApi):
    """modifyUserProjectDescription (PUT, console): the owner describes the project."""

    rules = {"put": rbac.CONSOLE_ONLY}
    audit = {"put": "ModifyProjectDescription"}

    class InputSerializer(StrictSerializer):
        description = text_field(255, required=True)

    def put(self, request, project_id):
        self.audit_resource = project_id
        project = selectors.project_get_owned(project_id=project_id, actor=request.user)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.project_modify(
            project=project, description=body.validated_data["description"], actor=request.user
        )
        return Response(SUCCESS)


class ProjectMoveApi(BmpApi):
    """moveUserProject (PUT, console): the owner (or the admin) gives the project to another
    user."""

    rules = {"put": rbac.CONSOLE_ONLY}
    audit = {"put": "MoveProject"}

    class InputSerializer(StrictSerializer):
        ownerID = name_field(64)
        moverID = name_field(64)

    def put(self, request, project_id):
        self.audit_resource = project_id
        project = selectors.project_get_movable(project_id=project_id, actor=request.user)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.project_move(
            project=project,
            owner_id=body.validated_data["ownerID"],
            mover_id=body.validated_data["moverID"],
            actor=request.user,
        )
        return Response(SUCCESS)

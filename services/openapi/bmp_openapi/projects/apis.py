"""Project endpoints (tag ``project``): parse, call one service or selector, render.

The console also serves upstream's console extras: describeShareProject,
modifyUserProjectDescription and moveUserProject.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.fields import LocalTimeField, UnixSecondsField
from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import (
    StrictIntegerField,
    StrictSerializer,
    filter_field,
    name_field,
    text_field,
)
from bmp_common.i18n import display_name, request_language
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.projects import selectors, services
from bmp_openapi.projects.models import Permission

# Upstream's rule: 1 to 64 letters, digits, Chinese characters, "_" and "-".
PROJECT_NAME = RegexValidator(
    "^[\u4e00-\u9fa5A-Za-z0-9_-]+$",
    "Use only letters, digits, Chinese characters, _ and -.",
)
PERMISSION_NAMES = {
    Permission.READ: {"en_US": "Read only", "zh_CN": "只读"},
    Permission.WRITE: {"en_US": "Read and write", "zh_CN": "读写"},
}


def project_name_field(**kwargs):
    # Not trimmed: " a" is refused as the contract says, not silently renamed.
    return name_field(64, trim_whitespace=False, validators=[PROJECT_NAME], **kwargs)


class ShareOutputSerializer(serializers.Serializer):
    projectId = serializers.CharField(source="project.project_id")
    projectName = serializers.CharField(source="project.project_name")
    ownerUserId = serializers.CharField(source="project.user.user_id")
    ownerUserName = serializers.CharField(source="project.user.user_name")
    sharedUserId = serializers.CharField(source="shared_user.user_id")
    sharedUserName = serializers.CharField(source="shared_user.user_name")
    permission = serializers.CharField()
    permissionName = serializers.SerializerMethodField()
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")
    shareProjects = serializers.SerializerMethodField()

    def get_shareProjects(self, share) -> list:
        return []  # upstream's ShareProject nests its own kind; a share has none under it

    def get_permissionName(self, share):
        language = request_language(self.context["request"])
        return display_name(PERMISSION_NAMES, share.permission, language)


class SharingProjectOutputSerializer(ShareOutputSerializer):
    """describeShareProject's rows: ours, plus upstream's console names for them (snake_case
    SharingProject rows), as additional fields."""

    project_id = serializers.CharField(source="project.project_id")
    project_name = serializers.CharField(source="project.project_name")
    owner_user_id = serializers.CharField(source="project.user.user_id")
    owner_user_name = serializers.CharField(source="project.user.user_name")
    shared_user_id = serializers.CharField(source="shared_user.user_id")
    shared_user_name = serializers.CharField(source="shared_user.user_name")
    premission = serializers.CharField(source="permission")  # upstream's spelling
    is_default = serializers.SerializerMethodField()
    created_by = serializers.CharField()
    created_time = UnixSecondsField(source="created_at")
    updated_by = serializers.CharField()
    updated_time = UnixSecondsField(source="updated_at")
    is_del = serializers.SerializerMethodField()
    deleted_time = serializers.SerializerMethodField()

    def get_is_default(self, share) -> int:
        return int(bool(share.project.is_default))  # the owner's default project

    def get_is_del(self, share) -> int:
        return 0  # answers hold live shares only

    def get_deleted_time(self, share) -> int:
        return 0


class ProjectOutputSerializer(serializers.Serializer):
    projectId = serializers.CharField(source="project_id")
    projectName = serializers.CharField(source="project_name")
    description = serializers.CharField()
    owned = serializers.SerializerMethodField()
    isDefault = serializers.SerializerMethodField()
    isSystem = serializers.SerializerMethodField()
    instanceCount = serializers.SerializerMethodField()
    userId = serializers.CharField(source="user.user_id")
    ownedBy = serializers.CharField(source="user.user_name")
    shareProjects = serializers.SerializerMethodField()
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")

    def _actor(self):
        return self.context["request"].user

    def _owns(self, project) -> bool:
        return project.user_id == self._actor().pk

    def get_owned(self, project):
        return selectors.OWNED if self._owns(project) else selectors.SHARED

    def get_isDefault(self, project):
        # The caller's default project: another user's default is not the caller's.
        return int(bool(project.is_default) and self._owns(project))

    def get_isSystem(self, project):
        return int(project.is_system)

    def get_instanceCount(self, project):
        return self.context.get("counts", {}).get(project.pk, 0)

    def get_shareProjects(self, project):
        shares = selectors.visible_shares(project, self._actor())
        return ShareOutputSerializer(shares, many=True, context=self.context).data


def render_projects(request, projects, *, many=False):
    items = projects if many else [projects]
    context = {"request": request, "counts": selectors.instance_counts(items)}
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
        project = services.project_create(data=body.validated_data, actor=request.user)
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
        services.project_modify(project=project, data=body.validated_data, actor=request.user)
        return Response(SUCCESS)

    def delete(self, request, project_id):
        self.audit_resource = project_id
        project = selectors.project_get_owned(project_id=project_id, actor=request.user)
        services.project_delete(project=project, actor=request.user)
        return Response(SUCCESS)


class ProjectShareApi(BmpApi):
    """shareUserProject (PUT): only the owner shares, with an existing user other than
    themselves; sharing again changes the permission."""

    rules = {"put": rbac.OWN}
    audit = {"put": "ShareProject"}

    class InputSerializer(StrictSerializer):
        ownerID = name_field(64)
        sharerID = name_field(64)
        permission = serializers.ChoiceField(
            choices=Permission.choices, required=False, default=Permission.READ
        )

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
        context = {"request": request}
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
        services.project_modify(project=project, data=body.validated_data, actor=request.user)
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

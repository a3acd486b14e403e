"""Serializers of the project endpoints: project names as upstream allows them, and how
projects and their shares render."""

from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import serializers

from bmp_common.api.fields import LocalTimeField, UnixSecondsField
from bmp_common.api.serializers import name_field
from bmp_common.i18n import display_name, request_language
from bmp_openapi.projects import selectors
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
    # Upstream's: the shared instances' ids, comma-separated; ours: whether new ones join.
    sharedInstanceIds = serializers.SerializerMethodField()
    sharedWholeProject = serializers.BooleanField(source="whole_project")

    def get_sharedInstanceIds(self, share) -> str:
        return ",".join(self.context["shared_instance_ids"].get(share.pk, []))

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
    shared_instance_ids = serializers.SerializerMethodField()

    def get_shared_instance_ids(self, share) -> str:
        return self.get_sharedInstanceIds(share)

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

from django.db import models

from bmp_openapi.accounts.models import User
from bmp_openapi.core.models import SoftDeleteModel


class Permission(models.TextChoices):
    READ = "read"
    WRITE = "write"


class Project(SoftDeleteModel):
    """A user's group of instances; the user owns it and may share it with other users."""

    project_id = models.CharField(max_length=64, unique=True)
    project_name = models.CharField(max_length=64)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="projects")
    # True for the owner's default project, NULL (not False) otherwise: the unique constraint
    # below then allows one default per owner among live rows, on every database.
    is_default = models.BooleanField(null=True, default=None)
    is_system = models.BooleanField(default=False)
    description = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        db_table = "project"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "project_name", "delete_marker"],
                name="project_unique_live_name_per_user",
            ),
            models.UniqueConstraint(
                fields=["user", "is_default", "delete_marker"],
                name="project_one_live_default_per_user",
            ),
        ]

    def __str__(self):
        return self.project_id


class SharingProject(SoftDeleteModel):
    """A project shared with another user. The owner is the project's (never stored twice)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="shares")
    shared_user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="shared_projects")
    permission = models.CharField(max_length=8, choices=Permission.choices, default=Permission.READ)
    # (upstream's console) A share covers the whole project, as it grows, or only the instances
    # listed here; those leave the share when they leave the project. Upstream stores "all" as
    # the instance ids of the day, so an instance created later is silently not shared.
    whole_project = models.BooleanField(default=True)
    instances = models.ManyToManyField(
        "instances.Instance", blank=True, related_name="+", db_table="sharing_project_instance"
    )

    class Meta:
        db_table = "sharing_project"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "shared_user", "delete_marker"],
                name="sharing_project_unique_live_share",
            ),
        ]

    def __str__(self):
        return f"{self.project_id} -> {self.shared_user_id}"

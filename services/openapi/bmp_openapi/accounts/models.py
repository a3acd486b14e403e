"""Users, roles and API keys.

Every table keeps upstream's convention: an integer primary key, a public string id
(``user-…``), and creation/update timestamps. Users and roles are soft-deleted (their names are
unique among live rows); API keys are deleted for good, so a deleted key can never authenticate.
"""

from django.contrib.auth.hashers import check_password, make_password
from django.db import models

from bmp_openapi.accounts.choices import ApiKeySource, ApiKeyType, Language
from bmp_openapi.core.models import SoftDeleteModel


class Role(SoftDeleteModel):
    role_id = models.CharField(max_length=64, unique=True)
    role_name_en = models.CharField(max_length=64)
    role_name_cn = models.CharField(max_length=64)
    description_en = models.CharField(max_length=255, blank=True, default="")
    description_cn = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        db_table = "role"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["role_name_en", "delete_marker"], name="role_unique_live_name_en"
            ),
            models.UniqueConstraint(
                fields=["role_name_cn", "delete_marker"], name="role_unique_live_name_cn"
            ),
        ]

    def __str__(self):
        return self.role_id


class User(SoftDeleteModel):
    user_id = models.CharField(max_length=64, unique=True)
    user_name = models.CharField(max_length=64)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="users")
    password = models.CharField(max_length=255)  # PBKDF2 hash, never the password
    email = models.CharField(max_length=255, blank=True, default="")
    phone_prefix = models.CharField(max_length=16, blank=True, default="")
    phone_number = models.CharField(max_length=32, blank=True, default="")
    # Upstream's column: the projects app sets it when it creates the user's default project.
    default_project_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN_US)
    timezone = models.CharField(max_length=64, default="Asia/Shanghai")
    description = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        db_table = "user"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user_name", "delete_marker"], name="user_unique_live_name"
            ),
        ]

    def __str__(self):
        return self.user_name

    # DRF asks these of request.user.
    is_authenticated = True
    is_anonymous = False

    def set_password(self, raw_password: str) -> None:
        self.password = make_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        return check_password(raw_password, self.password)


class ApiKey(models.Model):
    apikey_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=64)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    type = models.CharField(max_length=16, choices=ApiKeyType.choices, default=ApiKeyType.USER)
    source = models.CharField(
        max_length=16, choices=ApiKeySource.choices, default=ApiKeySource.OPERATION
    )
    read_only = models.BooleanField(default=False)
    # SHA-256 of the token: the token itself is shown once, at creation, and never stored.
    token_digest = models.CharField(max_length=64, unique=True)
    created_by = models.CharField(max_length=64, blank=True, default="")
    updated_by = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "apikey"
        ordering = ["-created_at", "-id"]
        constraints = [
            # A name is unique among one user's keys on one portal (keys live on their portal).
            models.UniqueConstraint(
                fields=["user", "source", "name"], name="apikey_unique_name_per_user_source"
            ),
        ]

    def __str__(self):
        return self.apikey_id

"""Users, roles and API keys: the minimum the foundation needs to authenticate a caller.

Every table keeps upstream's convention: an integer primary key, a public string id
(``user-…``), and creation/update timestamps. The resource issue adds projects and the rest.
"""

from django.contrib.auth.hashers import check_password, make_password
from django.db import models

from bmp_openapi.accounts.choices import ApiKeySource, ApiKeyType, Language


class Role(models.Model):
    role_id = models.CharField(max_length=64, unique=True)
    role_name_en = models.CharField(max_length=64)
    role_name_cn = models.CharField(max_length=64)
    description_en = models.CharField(max_length=255, blank=True, default="")
    description_cn = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "role"

    def __str__(self):
        return self.role_id


class User(models.Model):
    user_id = models.CharField(max_length=64, unique=True)
    user_name = models.CharField(max_length=64, unique=True)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="users")
    password = models.CharField(max_length=255)  # PBKDF2 hash, never the password
    email = models.CharField(max_length=255, blank=True, default="")
    phone_prefix = models.CharField(max_length=16, blank=True, default="")
    phone_number = models.CharField(max_length=32, blank=True, default="")
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN_US)
    timezone = models.CharField(max_length=64, default="Asia/Shanghai")
    description = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "user"

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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "apikey"
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="apikey_unique_name_per_user"),
        ]

    def __str__(self):
        return self.apikey_id

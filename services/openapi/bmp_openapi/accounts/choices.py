"""Fixed values of the accounts app, with upstream's ids where clients depend on them."""

from django.db import models

ROLE_ADMIN = "role-admin-uuid-01"
ROLE_OPERATOR = "role-operator-uuid-01"
ROLE_USER = "role-user-uuid-01"

ADMIN_USER_NAME = "admin"


class Language(models.TextChoices):
    EN_US = "en_US", "English"
    ZH_CN = "zh_CN", "中文"


class ApiKeyType(models.TextChoices):
    SYSTEM = "system"  # our own BFFs: may act as the user named in bmpUserId
    USER = "user"  # a person's key: acts as its user
    ALERT = "alert"  # pronoea's webhook key: addAlert only


class ApiKeySource(models.TextChoices):
    OPERATION = "operation"
    CONSOLE = "console"

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bmp_openapi.accounts"
    label = "accounts"
    verbose_name = "Users, roles and API keys"

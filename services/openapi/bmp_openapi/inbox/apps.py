from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "bmp_openapi.inbox"
    label = "inbox"

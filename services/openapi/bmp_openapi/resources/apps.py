from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "bmp_openapi.resources"
    label = "resources"

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "bmp_openapi.projects"
    label = "projects"

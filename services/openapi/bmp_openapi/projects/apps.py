from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "bmp_openapi.projects"
    label = "projects"
    verbose_name = "Projects"

    def ready(self):
        from bmp_openapi.projects import receivers

        receivers.connect()  # what it answers: core/events.py

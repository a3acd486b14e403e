from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "bmp_openapi.jobs"
    label = "jobs"
    verbose_name = "Jobs handed to the scheduler"

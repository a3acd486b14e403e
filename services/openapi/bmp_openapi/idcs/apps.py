from django.apps import AppConfig


class IdcsConfig(AppConfig):
    name = "bmp_openapi.idcs"
    label = "idcs"
    verbose_name = "IDCs (data centres)"

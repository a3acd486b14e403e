from django.apps import AppConfig


class OobConfig(AppConfig):
    name = "bmp_openapi.oob"
    label = "oob"

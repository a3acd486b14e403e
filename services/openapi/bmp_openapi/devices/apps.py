from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "bmp_openapi.devices"
    label = "devices"

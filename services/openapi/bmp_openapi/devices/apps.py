from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "bmp_openapi.devices"
    label = "devices"
    verbose_name = "Devices (physical servers)"

    def ready(self):
        from bmp_openapi.devices import receivers

        receivers.connect()  # what it answers: core/events.py

from django.apps import AppConfig


class InstancesConfig(AppConfig):
    name = "bmp_openapi.instances"
    label = "instances"
    verbose_name = "Instances"

    def ready(self):
        from bmp_openapi.instances import receivers

        receivers.connect()  # what it answers: core/events.py

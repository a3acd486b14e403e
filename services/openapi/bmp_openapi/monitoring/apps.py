from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "bmp_openapi.monitoring"
    label = "monitoring"
    verbose_name = "In-band monitoring"

    def ready(self):
        from bmp_openapi.monitoring import receivers

        receivers.connect()  # what it answers: core/events.py

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "bmp_openapi.catalog"
    label = "catalog"
    verbose_name = "Catalog (OSs, images, RAID levels, device types)"

    def ready(self):
        from bmp_openapi.catalog import receivers

        receivers.connect()  # what it answers: core/events.py

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "bmp_openapi.catalog"
    label = "catalog"

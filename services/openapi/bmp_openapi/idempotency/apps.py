from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "bmp_openapi.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency keys"

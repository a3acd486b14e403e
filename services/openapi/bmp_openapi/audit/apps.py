from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bmp_openapi.audit"
    label = "audit"
    verbose_name = "Audit trail"

from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "bmp_scheduler.gateway"
    label = "gateway"
    verbose_name = "Agent gateway (iPXE scripts, agent heartbeats and results)"

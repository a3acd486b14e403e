from django.apps import AppConfig


class FaultsConfig(AppConfig):
    name = "bmp_oob_alert.faults"
    label = "oob_faults"

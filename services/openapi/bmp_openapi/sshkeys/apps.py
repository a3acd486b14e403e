from django.apps import AppConfig


class SshkeysConfig(AppConfig):
    name = "bmp_openapi.sshkeys"
    label = "sshkeys"

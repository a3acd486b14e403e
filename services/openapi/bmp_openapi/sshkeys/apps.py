from django.apps import AppConfig


class SshkeysConfig(AppConfig):
    name = "bmp_openapi.sshkeys"
    label = "sshkeys"
    verbose_name = "SSH keys"

    def ready(self):
        from bmp_openapi.sshkeys import receivers

        receivers.connect()  # what it answers: core/events.py

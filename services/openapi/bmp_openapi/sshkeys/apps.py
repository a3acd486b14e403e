from django.apps import AppConfig


class SshkeysConfig(AppConfig):
    name = "bmp_openapi.sshkeys"
    label = "sshkeys"
    verbose_name = "SSH keys"

    def ready(self):
        from bmp_openapi.accounts import services as accounts
        from bmp_openapi.sshkeys.services import sshkeys_of_deleted_user

        # A deleted user's SSH keys go with them.
        if sshkeys_of_deleted_user not in accounts.USER_DELETE_HOOKS:
            accounts.USER_DELETE_HOOKS.append(sshkeys_of_deleted_user)

from django.db import models

from bmp_openapi.accounts.models import User
from bmp_openapi.core.models import SoftDeleteModel
from bmp_openapi.sshkeys.keys import md5_fingerprint


class SshKey(SoftDeleteModel):
    """A user's OpenSSH public key, to be installed on their instances."""

    sshkey_id = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="ssh_keys")
    name = models.CharField(max_length=64)
    key = models.CharField(max_length=1024)  # "<type> <base64>[ <comment>]", validated
    finger_print = models.CharField(max_length=64)  # "SHA256:…", as ssh-keygen -l prints it

    class Meta:
        db_table = "ssh_key"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name", "delete_marker"], name="ssh_key_unique_live_name_per_user"
            ),
            models.UniqueConstraint(
                fields=["user", "finger_print", "delete_marker"],
                name="ssh_key_unique_live_key_per_user",
            ),
        ]

    def __str__(self):
        return self.sshkey_id

    @property
    def key_type(self) -> str:
        return self.key.split(None, 1)[0]

    @property
    def finger_print_md5(self) -> str:
        return md5_fingerprint(self.key)

"""What the sshkeys app does when the apps below it tell it something (``core.events``,
connected in ``SshkeysConfig.ready``)."""

from __future__ import annotations

from bmp_openapi.core import events
from bmp_openapi.sshkeys.services import sshkeys_of_deleted_user


def user_deleting(sender, *, user, actor, **kwargs) -> None:
    """A deleted user's SSH keys go with them."""
    sshkeys_of_deleted_user(user=user, actor=actor)


def connect() -> None:
    events.user_deleting.connect(user_deleting, dispatch_uid="sshkeys.user_deleting")

"""What the projects app does when the apps below it tell it something (``core.events``,
connected in ``ProjectsConfig.ready``)."""

from __future__ import annotations

from bmp_openapi.core import events
from bmp_openapi.projects.services import projects_of_deleted_user


def user_deleting(sender, *, user, actor, **kwargs) -> None:
    """A deleted user's projects and shares go with them."""
    projects_of_deleted_user(user=user, actor=actor)


def connect() -> None:
    events.user_deleting.connect(user_deleting, dispatch_uid="projects.user_deleting")

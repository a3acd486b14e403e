"""Who a request acts as when it is not a user: our own BFFs before their user logs in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceCaller:
    """A ``system`` key used without ``bmpUserId``: may call only an API's ``service_methods``."""

    key_name: str
    user_id: str = ""  # acts as nobody: no audit entry, no ownership
    is_authenticated: bool = True
    is_anonymous: bool = False


@dataclass(frozen=True)
class AlertCaller(ServiceCaller):
    """An ``alert`` key (pronoea's webhook): may call only an API's ``alert_methods``."""

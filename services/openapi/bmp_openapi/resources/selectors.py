"""Whether a named thing exists, for the consoles' uniqueness checks before a create.

The things live in other apps; they are looked up by app label so that this app imports none
of them (and answers "no" for an app or field that is not there).
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldError

# query parameter -> (app label, model, field): what describeResources looks for.
LOOKUPS = {
    "name": ("catalog", "DeviceType", "name"),  # a device type's name
    "deviceType": ("catalog", "DeviceType", "device_type"),  # a device type's spec code
    "imageName": ("catalog", "Image", "image_name"),
    "userName": ("accounts", "User", "user_name"),
}


def _exists(app_label: str, model_name: str, field: str, value: str) -> bool:
    try:
        model = apps.get_model(app_label, model_name)
        return model.objects.filter(**{field: value}).exists()
    except (LookupError, FieldError):
        return False


def resource_exists(*, filters: dict) -> bool:
    """True when a live row matches any of the given filters exactly (upstream's count > 0)."""
    return any(
        _exists(*LOOKUPS[name], value)
        for name, value in filters.items()
        if value and name in LOOKUPS
    )

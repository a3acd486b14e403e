"""Who sees the fleet, and the answer fields only those who do may read.

Staff (admin, operator) on the operation profile run the platform: they see every device,
instance and IDC with every field. Everyone else, which is every caller on the console profile
(the admin too: there they act as a tenant), sees only the devices under their own instances
and the instances of projects shared with them, without what belongs to the operator: BMC
addresses and credentials, MACs, switch credentials, disk serials, rack positions, other
people's names. Selectors scope the rows; serializers drop the fields.
"""

from __future__ import annotations

from django.conf import settings

from bmp_openapi.core.rbac import OPERATION, STAFF


def sees_fleet(principal) -> bool:
    role = getattr(principal, "role", None)  # a BFF's key without a user has none
    return settings.BMP_OPENAPI_PROFILE == OPERATION and role is not None and role.role_id in STAFF


class FleetFieldsMixin:
    """A serializer mixin: ``fleet_only_fields`` are left out of the answer unless the request's
    caller sees the fleet. Left out, not blanked: an empty string would claim a value. Without a
    request in the context nothing tells who asks, so they are left out too."""

    fleet_only_fields: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is None or not sees_fleet(request.user):
            for name in self.fleet_only_fields:
                fields.pop(name, None)
        return fields

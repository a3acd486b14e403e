"""Writes of the catalog: one module per resource.

``device_type.IN_USE_CHECKS`` and ``image.IN_USE_CHECKS`` are lists other apps append to (from
their AppConfig.ready) so that a device type with devices, or an image with instances, cannot
be deleted: entries are ``(label, check)`` where ``check(obj) -> bool`` and ``label`` is a
string or an ``(English, Chinese)`` pair naming what is still there.
"""

from bmp_openapi.catalog.services.device_type import IN_USE_CHECKS

__all__ = ["IN_USE_CHECKS"]

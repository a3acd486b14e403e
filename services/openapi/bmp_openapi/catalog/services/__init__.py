"""Writes of the catalog: one module per resource. A device type with devices, or an image
with instances, cannot be deleted: ``core.events.device_type_in_use`` / ``image_in_use``."""

"""Device import from upstream's Excel template (operation-api's /devices/upload)."""

"""console-api: the tenant console's backend (port 8800)."""

"""operation-api: the operator portal's backend (port 8799)."""

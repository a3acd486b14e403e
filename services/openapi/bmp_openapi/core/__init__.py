"""What every openapi app builds on: the API base class, RBAC and per-profile routing."""

"""bmp-openapi: the core /v1 REST API, the database schema, business rules, RBAC and audit."""

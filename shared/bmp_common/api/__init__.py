"""HTTP plumbing shared by every Django service: envelope, errors, middleware, common views."""

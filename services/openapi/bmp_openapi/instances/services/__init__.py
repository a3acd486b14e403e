"""Instance services: create, the lifecycle actions, and the job events that finish them."""

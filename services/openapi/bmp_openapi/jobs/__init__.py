"""openapi's side of the scheduler's jobs: handing them over, and applying what comes back."""

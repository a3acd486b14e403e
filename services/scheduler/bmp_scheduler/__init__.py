"""The scheduler: jobs, steps, dispatch, retries, timeouts, and the LiveOS agent gateway."""

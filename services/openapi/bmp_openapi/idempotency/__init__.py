"""``Idempotency-Key`` on every write: a repeated request returns the first answer, once run."""

"""One row per (caller, Idempotency-Key): claimed before the write runs, answered after."""

from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    # "user:<userId>:key:<apikeyId>" for a user's key, "user:<userId>" for a system key acting
    # for that user, "system:<apikeyId>" for a system key acting for nobody.
    caller = models.CharField(max_length=160)
    key = models.CharField(max_length=255)
    # HMAC-SHA-256 (keyed with SECRET_KEY) of the method, the path and the canonical JSON body:
    # what "the same request" means. Keyed, as bodies may hold passwords.
    fingerprint = models.CharField(max_length=64)
    # Null while the first request runs; then the HTTP status and envelope it answered (empty
    # when that answer held a secret shown once, such as a new API key's token: not kept).
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "idempotency_record"
        constraints = [
            # The claim: of two concurrent first requests with one key, one insert fails.
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_unique_caller_key")
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"

"""Claiming an Idempotency-Key before a write runs, and keeping the answer it gave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bmp_common.errors import BmpError
from bmp_openapi.idempotency.error_codes import ANSWER_NOT_KEPT, KEY_IN_PROGRESS, KEY_REUSED
from bmp_openapi.idempotency.models import IdempotencyRecord

# A claim whose row vanishes under it (purged as it expired) is tried again this many times.
CLAIM_ATTEMPTS = 3


@dataclass(frozen=True)
class Claim:
    record: IdempotencyRecord
    claimed: bool  # True: this request runs the write; False: replay the record's answer


def idempotency_claim(*, caller: str, key: str, fingerprint: str) -> Claim:
    """Inserts (caller, key) before the write runs: the unique constraint lets one request in.

    The insert commits on its own (outside the write's transaction, which is durable), so a
    second request with the key sees it at once and never runs the write a second time.
    """
    now = timezone.now()
    # Lazy purge: expired keys go as new ones arrive, so no periodic task is needed.
    IdempotencyRecord.objects.filter(expires_at__lte=now).delete()
    for _attempt in range(CLAIM_ATTEMPTS):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    caller=caller,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + timedelta(seconds=settings.BMP_IDEMPOTENCY_TTL_S),
                )
            return Claim(record=record, claimed=True)
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
        if existing is None:
            continue  # purged between our insert and our read: claim it again
        if existing.fingerprint != fingerprint:
            raise BmpError(KEY_REUSED)
        if existing.status_code is None:
            raise BmpError(KEY_IN_PROGRESS)
        if not existing.body:
            raise BmpError(ANSWER_NOT_KEPT)
        return Claim(record=existing, claimed=False)
    raise BmpError(KEY_IN_PROGRESS)


def idempotency_answer(*, record: IdempotencyRecord, status_code: int, body: str) -> None:
    """Keeps the answer the write gave, for every repeat until the key expires.

    An empty ``body`` keeps only that the request ran: its answer held a secret shown once.
    """
    record.status_code = status_code
    record.body = body
    record.save(update_fields=["status_code", "body"])

"""The ``Idempotency-Key`` header on every write, for every API class (mixed into ``BmpApi``).

Every POST, PUT, PATCH and DELETE accepts the header. The first request with a key claims it,
runs, and its answer (status and envelope, whatever the status) is kept for
``BMP_IDEMPOTENCY_TTL_S``; a repeat with the same method, path and JSON body gets that answer
again, with ``Idempotent-Replayed: true``, and runs nothing. Keys belong to the caller (see
``caller_of``). The key is claimed after authentication, permissions and query checks, so a
request refused by those leaves it unused.

5xx answers are kept too (as Stripe does): a write may have committed before a later failure,
and running it again could take a second device. An API whose successful answer holds a secret
shown once (a new API key's token) lists that method in ``answer_shown_once``: the key still
guards against a second run, but a repeat answers 409 instead of showing the secret again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re

from django.conf import settings
from django.http import HttpResponse

from bmp_common.errors import BmpError
from bmp_openapi.accounts.choices import ApiKeyType
from bmp_openapi.accounts.principals import ServiceCaller
from bmp_openapi.idempotency.error_codes import INVALID_KEY
from bmp_openapi.idempotency.models import IdempotencyRecord
from bmp_openapi.idempotency.services import idempotency_answer, idempotency_claim

KEY_HEADER = "HTTP_IDEMPOTENCY_KEY"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Printable ASCII, 1 to 255 characters; no edge spaces (proxies strip them, changing the key).
KEY_PATTERN = re.compile(r"[!-~](?:[ -~]{0,253}[!-~])?")


def key_of(request) -> str | None:
    """The request's Idempotency-Key; None without one or on a read."""
    key = request.META.get(KEY_HEADER)
    if key is None or request.method not in WRITE_METHODS:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise BmpError(INVALID_KEY)
    return key


def caller_of(request) -> str:
    """Whose keys these are: a user's key, or the user a system key acts for."""
    user, api_key = request.user, request.auth
    if isinstance(user, ServiceCaller):
        return f"system:{api_key.apikey_id}"
    if api_key.type == ApiKeyType.SYSTEM:
        # Our BFFs act for the user with one system key: the user's keys are the user's.
        return f"user:{user.user_id}"
    return f"user:{user.user_id}:key:{api_key.apikey_id}"


def fingerprint_of(request) -> str:
    """Method, path and the body as canonical JSON (key order and spacing do not count).

    Keyed with SECRET_KEY: a body may hold a password, and a plain hash of a known body with a
    weak password in it could be guessed back from a copy of the table.
    """
    body = ""
    if request.stream is not None:
        body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = f"{request.method} {request.get_full_path()}\n{body}"
    return hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


class _Replay(Exception):
    """Raised from ``initial`` to answer with a kept answer instead of running the handler."""

    def __init__(self, record: IdempotencyRecord):
        super().__init__(record.key)
        self.record = record


class IdempotentApi:
    answer_shown_once: frozenset[str] = frozenset()  # methods whose success holds a secret
    idempotency_record: IdempotencyRecord | None = None  # claimed by this request
    idempotency_replayed: bool = False

    def claim_idempotency_key(self, request) -> None:
        key = key_of(request)
        if key is None:
            return
        claim = idempotency_claim(
            caller=caller_of(request), key=key, fingerprint=fingerprint_of(request)
        )
        if not claim.claimed:
            raise _Replay(claim.record)
        self.idempotency_record = claim.record

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            self.idempotency_replayed = True
            response = HttpResponse(
                exc.record.body,
                status=exc.record.status_code,
                content_type="application/json; charset=utf-8",
            )
            response[REPLAYED_HEADER] = "true"
            return response
        return super().handle_exception(exc)

    def keep_idempotent_answer(self, response) -> None:
        if self.idempotency_record is None:
            return
        response.render()  # the envelope as the caller gets it, with this request's requestId
        secret = (
            response.status_code < 400 and self.request.method.lower() in self.answer_shown_once
        )
        idempotency_answer(
            record=self.idempotency_record,
            status_code=response.status_code,
            body="" if secret else response.content.decode(),
        )

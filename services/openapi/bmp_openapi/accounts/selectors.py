"""Reads of the accounts app."""

from __future__ import annotations

from bmp_common.ids import token_digest
from bmp_openapi.accounts.models import ApiKey


def apikey_by_token(token: str) -> ApiKey | None:
    return (
        ApiKey.objects.select_related("user", "user__role")
        .filter(token_digest=token_digest(token))
        .first()
    )

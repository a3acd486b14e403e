"""Public ids and secret tokens, from ``secrets`` (never a time-seeded generator)."""

from __future__ import annotations

import hashlib
import secrets
import string

_ID_ALPHABET = string.ascii_lowercase + string.digits
ID_RANDOM_LENGTH = 28  # upstream's ids look like ``user-ta5c5tsos2wkm8d2qtmvx3vufr2h``


def new_id(prefix: str) -> str:
    """``<prefix>-<28 random [a-z0-9]>``, e.g. ``idc-…``, ``user-…``, ``apikey-…``."""
    suffix = "".join(secrets.choice(_ID_ALPHABET) for _ in range(ID_RANDOM_LENGTH))
    return f"{prefix}-{suffix}"


def new_token(nbytes: int = 32) -> str:
    """An API key or agent token: URL-safe, ``nbytes`` of entropy."""
    return secrets.token_urlsafe(nbytes)


def new_password(length: int = 20) -> str:
    """A password meeting upstream's policy (upper, lower, digit and special characters)."""
    specials = "@%+-_="  # none of them needs quoting in a shell or .env file
    alphabet = string.ascii_letters + string.digits + specials
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in specials for c in candidate)
        ):
            return candidate


def token_digest(token: str) -> str:
    """How tokens are stored: SHA-256 is enough for 256-bit random tokens (no guessing)."""
    return hashlib.sha256(token.encode()).hexdigest()

"""Encryption of secrets at rest (BMC and root passwords): Fernet, AES-128-CBC + HMAC-SHA256.

``BMP_ENCRYPTION_KEY`` holds one or more comma-separated Fernet keys; the first encrypts, all
decrypt, so a key can be rotated without re-encrypting everything at once: put the new key
first, run ``bmp_rotate_secrets`` (re-encrypts every stored secret with it), then drop the old
key. bmp-deploy.sh generates the first key at first start; ``bmp-deploy.sh rotate-key`` does the
rest.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretDecryptionError(Exception):
    """The stored value was not encrypted with any configured key."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])
    except ValueError:
        raise ImproperlyConfigured(
            "BMP_ENCRYPTION_KEY must be comma-separated Fernet keys (32 url-safe base64 bytes)"
        ) from None


def _configured() -> MultiFernet:
    keys = getattr(settings, "BMP_ENCRYPTION_KEY", "")
    if not keys:
        raise ImproperlyConfigured("BMP_ENCRYPTION_KEY is not set")
    return _fernet(keys)


def encrypt_secret(plaintext: str) -> str:
    return _configured().encrypt(plaintext.encode()).decode()


def decrypt_secret(ciphertext: str) -> str:
    try:
        return _configured().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError("secret cannot be decrypted with the configured keys") from None


def reencrypt_secret(ciphertext: str) -> str:
    """``ciphertext`` encrypted again with the first configured key (the plaintext never leaves
    this function)."""
    try:
        return _configured().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError("secret cannot be decrypted with the configured keys") from None


def without_secrets(value):
    """A copy of ``value`` (JSON-like) without the keys that hold secrets, at any depth.

    What a finished job keeps (its node, spec and step parameters) goes through this: the
    names are those the log filter masks (``password_encrypted``, ``password_hash``, tokens...).
    """
    from bmp_common.logging import SECRET_KEY_PATTERN

    if isinstance(value, dict):
        return {
            key: without_secrets(item)
            for key, item in value.items()
            if not (isinstance(key, str) and SECRET_KEY_PATTERN.search(key))
        }
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value

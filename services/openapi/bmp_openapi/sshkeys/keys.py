"""OpenSSH public keys: parsing what a user pastes, and fingerprints as ``ssh-keygen -l`` shows.

A key is one line, ``<type> <base64 blob> [comment]``. The blob is parsed by ``cryptography``,
which also checks that the type named inside the blob is the one named on the line (and, for
ECDSA, that the curve matches). Only today's key types are accepted; RSA needs 2048 bits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from bmp_common.errors import BmpError
from bmp_openapi.sshkeys.error_codes import (
    KEY_CORRUPT,
    KEY_MALFORMED,
    KEY_TOO_SHORT,
    KEY_UNSUPPORTED,
)

MIN_RSA_BITS = 2048
ECDSA_CURVES = {
    "ecdsa-sha2-nistp256": "secp256r1",
    "ecdsa-sha2-nistp384": "secp384r1",
    "ecdsa-sha2-nistp521": "secp521r1",
}
KEY_CLASSES = {
    "ssh-rsa": rsa.RSAPublicKey,
    "ssh-ed25519": ed25519.Ed25519PublicKey,
    **dict.fromkeys(ECDSA_CURVES, ec.EllipticCurvePublicKey),
}
SUPPORTED_TYPES = tuple(KEY_CLASSES)


@dataclass(frozen=True)
class PublicKey:
    key_type: str
    text: str  # "<type> <base64>[ <comment>]", re-encoded from the parsed key
    fingerprint: str  # "SHA256:<base64 without padding>"


def _has_control_characters(text: str) -> bool:
    return any((ord(char) < 0x20 and char != "\t") or ord(char) == 0x7F for char in text)


def parse_public_key(text: str) -> PublicKey:
    """The key ``text`` holds; BmpError (400, naming ``key``) if it is not an acceptable one."""
    parts = text.strip().split(None, 2)
    if len(parts) < 2 or _has_control_characters(text.strip()):
        raise BmpError(KEY_MALFORMED)
    key_type, blob_text = parts[0], parts[1]
    comment = parts[2].strip() if len(parts) == 3 else ""
    if key_type not in KEY_CLASSES:
        raise BmpError(KEY_UNSUPPORTED, key_type=key_type[:64])
    try:
        blob_text.encode("ascii")
        base64.b64decode(blob_text, validate=True)
        key = serialization.load_ssh_public_key(f"{key_type} {blob_text}".encode("ascii"))
    except (UnicodeEncodeError, binascii.Error, ValueError, UnsupportedAlgorithm):
        raise BmpError(KEY_CORRUPT, key_type=key_type) from None
    if not isinstance(key, KEY_CLASSES[key_type]) or (
        key_type in ECDSA_CURVES and key.curve.name != ECDSA_CURVES[key_type]
    ):
        raise BmpError(KEY_CORRUPT, key_type=key_type)
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise BmpError(KEY_TOO_SHORT, minimum=MIN_RSA_BITS, bits=key.key_size)
    canonical = key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode("ascii")
    return PublicKey(
        key_type=key_type,
        text=f"{canonical} {comment}" if comment else canonical,
        fingerprint=sha256_fingerprint(canonical),
    )


def _blob(text: str) -> bytes:
    return base64.b64decode(text.split()[1])


def sha256_fingerprint(text: str) -> str:
    """``SHA256:…`` as OpenSSH prints it (base64, no padding) for a stored key line."""
    digest = hashlib.sha256(_blob(text)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def md5_fingerprint(text: str) -> str:
    """The legacy ``aa:bb:…`` MD5 form (upstream's) for a stored key line."""
    digest = hashlib.md5(_blob(text), usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))

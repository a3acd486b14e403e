"""The agent gateway's TLS material: a CA made at first start and the gateway's certificate.

``python -m bmp_scheduler.tls ensure [--dir DIR] [--names NAME,IP,...]`` makes, in ``DIR``
(``BMP_TLS_DIR``, default ``$BMP_DATA_DIR/tls``; the folder 0700, the keys 0600):

- ``ca.key``/``ca.pem``: the CA, made once and then kept. The LiveOS build embeds ``ca.pem``
  (the public half only); the agent talks only to a gateway whose certificate chains to it.
- ``gateway.key``/``gateway.pem``: the gateway's certificate, signed by that CA, for the names
  and addresses in ``--names`` (``BMP_GATEWAY_TLS_NAMES``, default: the host of
  ``BMP_GATEWAY_URL``, ``BMP_HOST_IP``, 127.0.0.1 and localhost).

Run it as often as you like: what exists is kept. The gateway's certificate alone is issued
again (same CA, so no LiveOS rebuild) when the names change, when it was not signed by the
current CA, or when it has less than ``RENEW_BEFORE`` left. A new CA means deleting ``DIR``, then
rebuilding the LiveOS.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import fcntl
import ipaddress
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_KEY, CA_CERT = "ca.key", "ca.pem"
SERVER_KEY, SERVER_CERT = "gateway.key", "gateway.pem"
CA_LIFETIME = datetime.timedelta(days=3650)
SERVER_LIFETIME = datetime.timedelta(days=825)
RENEW_BEFORE = datetime.timedelta(days=30)


class TlsError(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    directory: Path
    ca_created: bool
    server_issued: bool
    names: tuple[str, ...]
    ca_fingerprint: str

    def describe(self) -> str:
        ca = "created" if self.ca_created else "kept"
        server = "issued" if self.server_issued else "kept"
        return (
            f"gateway TLS in {self.directory}: CA {ca} (SHA-256 {self.ca_fingerprint}), "
            f"server certificate {server} for {', '.join(self.names)}"
        )


def default_directory() -> Path:
    explicit = os.environ.get("BMP_TLS_DIR")
    if explicit:
        return Path(explicit)
    data = os.environ.get("BMP_DATA_DIR") or os.path.join(
        os.environ.get("BMP_VAR_DIR") or "var", "data"
    )
    return Path(data) / "tls"


def default_names() -> list[str]:
    configured = os.environ.get("BMP_GATEWAY_TLS_NAMES", "")
    if configured.strip():
        return [name.strip() for name in configured.split(",") if name.strip()]
    names = []
    gateway_host = urlsplit(os.environ.get("BMP_GATEWAY_URL", "")).hostname
    for name in (gateway_host, os.environ.get("BMP_HOST_IP"), "127.0.0.1", "localhost"):
        if name and name not in names:
            names.append(name)
    return names


def ensure(directory: Path, names: list[str]) -> Outcome:
    """Makes what is missing in `directory` (see the module's docstring); idempotent."""
    if not names:
        raise TlsError("the gateway certificate needs at least one name or address")
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    with _locked(directory):
        ca_key, ca_cert, ca_created = _ensure_ca(directory)
        server_issued = False
        if _server_needs_issuing(directory, ca_key, ca_cert, names):
            _issue_server(directory, ca_key, ca_cert, names)
            server_issued = True
    fingerprint = ca_cert.fingerprint(hashes.SHA256()).hex()
    return Outcome(directory, ca_created, server_issued, tuple(names), fingerprint)


@contextlib.contextmanager
def _locked(directory: Path):
    # Two programs starting at once (the gateway, a LiveOS build) must not make two CAs.
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _ensure_ca(directory: Path):
    key_path, cert_path = directory / CA_KEY, directory / CA_CERT
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if cert.public_key().public_numbers() != key.public_key().public_numbers():
            raise TlsError(f"{cert_path} is not the certificate of {key_path}")
        return key, cert, False
    if key_path.exists() or cert_path.exists():
        present = key_path if key_path.exists() else cert_path
        raise TlsError(
            f"{present} is there without its other half: restore it, or remove {directory} to "
            "make a new CA (then rebuild the LiveOS, which embeds the CA)"
        )
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "BMP"),
            x509.NameAttribute(NameOID.COMMON_NAME, "BMP agent gateway CA"),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _key_pem(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return key, cert, True


def _server_needs_issuing(directory: Path, ca_key, ca_cert, names: list[str]) -> bool:
    key_path, cert_path = directory / SERVER_KEY, directory / SERVER_CERT
    if not (key_path.exists() and cert_path.exists()):
        return True
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        ca_key.public_key().verify(
            cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm)
        )
    except (ValueError, InvalidSignature):
        return True  # unreadable, or signed by another CA
    if cert.public_key().public_numbers() != key.public_key().public_numbers():
        return True
    if cert.not_valid_after_utc - _now() < RENEW_BEFORE:
        return True
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(_san_entries(san)) != set(_san_entries(_alt_names(names)))


def _issue_server(directory: Path, ca_key, ca_cert, names: list[str]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(min(now + SERVER_LIFETIME, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_alt_names(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    # The key first: a gateway that starts in between must not pair a new cert with an old key.
    _write(directory / SERVER_KEY, _key_pem(key), 0o600)
    _write(directory / SERVER_CERT, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _alt_names(names: list[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _san_entries(san: x509.SubjectAlternativeName) -> list[str]:
    return [str(entry.value) for entry in san]


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    # Created with its final mode (a key is never readable by others, not even for a moment),
    # then renamed over the old file.
    temporary = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bmp_scheduler.tls", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("ensure", help="make the CA and the gateway certificate if needed")
    make.add_argument("--dir", type=Path, default=None, help="default: BMP_TLS_DIR")
    make.add_argument(
        "--names", default=None, help="comma-separated names/IPs (default: BMP_GATEWAY_TLS_NAMES)"
    )
    args = parser.parse_args(argv)
    directory = args.dir or default_directory()
    names = (
        [name.strip() for name in args.names.split(",") if name.strip()]
        if args.names is not None
        else default_names()
    )
    try:
        print(ensure(directory, names).describe())
    except (TlsError, OSError) as exc:
        print(f"bmp_scheduler.tls: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

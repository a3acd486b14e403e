"""The gateway's TLS material: made once, kept, keys private, a server certificate that chains
to the CA for the configured names."""

import ssl
import stat
import subprocess
import sys

import pytest

from bmp_scheduler import tls

NAMES = ["10.200.0.1", "gateway.bmp.test", "127.0.0.1"]


def _files(directory):
    return {
        name: (directory / name).read_bytes()
        for name in ("ca.key", "ca.pem", "gateway.key", "gateway.pem")
    }


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_ensure_makes_the_ca_and_a_certificate_once_with_private_keys(tmp_path):
    directory = tmp_path / "tls"
    run = [sys.executable, "-m", "bmp_scheduler.tls", "ensure", "--dir", str(directory)]

    first = subprocess.run([*run, "--names", ",".join(NAMES)], capture_output=True, text=True)
    made = _files(directory)
    second = subprocess.run([*run, "--names", ",".join(NAMES)], capture_output=True, text=True)

    assert first.returncode == 0 and "CA created" in first.stdout, first.stderr
    assert "CA kept" in second.stdout and "server certificate kept" in second.stdout
    assert _files(directory) == made  # byte for byte: nothing made again
    assert _mode(directory) == 0o700
    assert _mode(directory / "ca.key") == 0o600 and _mode(directory / "gateway.key") == 0o600
    assert b"PRIVATE KEY" not in made["ca.pem"]  # what the LiveOS embeds is public only


def test_the_server_certificate_verifies_for_its_names_against_the_ca(tmp_path):
    directory = tmp_path / "tls"
    tls.ensure(directory, NAMES)
    trust = ssl.create_default_context(cafile=directory / "ca.pem")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(directory / "gateway.pem", directory / "gateway.key")

    for name in ("10.200.0.1", "gateway.bmp.test"):
        assert _handshake(trust, server, name) is None
    assert "mismatch" in _handshake(trust, server, "10.200.0.2").lower()


def test_new_names_reissue_the_server_certificate_under_the_same_ca(tmp_path):
    directory = tmp_path / "tls"
    tls.ensure(directory, NAMES)
    before = _files(directory)

    outcome = tls.ensure(directory, ["10.200.0.9"])

    after = _files(directory)
    assert outcome.server_issued and not outcome.ca_created
    assert (after["ca.key"], after["ca.pem"]) == (before["ca.key"], before["ca.pem"])
    assert after["gateway.pem"] != before["gateway.pem"]
    trust = ssl.create_default_context(cafile=directory / "ca.pem")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(directory / "gateway.pem", directory / "gateway.key")
    assert _handshake(trust, server, "10.200.0.9") is None


def test_half_a_ca_is_an_error_not_a_new_ca(tmp_path):
    directory = tmp_path / "tls"
    tls.ensure(directory, NAMES)
    (directory / "ca.key").unlink()

    with pytest.raises(tls.TlsError, match="without its other half"):
        tls.ensure(directory, NAMES)


def _handshake(client: ssl.SSLContext, server: ssl.SSLContext, name: str) -> str | None:
    """None when a client checking `name` accepts the server's certificate, else the reason."""
    client_in, client_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    server_in, server_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    client_end = client.wrap_bio(client_in, client_out, server_hostname=name)
    server_end = server.wrap_bio(server_in, server_out, server_side=True)
    done = set()
    for _ in range(10):
        for end in (client_end, server_end):
            try:
                end.do_handshake()
                done.add(end.server_side)
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLCertVerificationError as exc:
                return exc.verify_message
            except ssl.SSLError:
                pass  # the server's side of a client that gave up
        if False in done:
            return None  # the client finished its handshake: it accepted the certificate
        server_in.write(client_out.read())
        client_in.write(server_out.read())
    raise AssertionError("the handshake did not finish")

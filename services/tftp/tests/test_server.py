"""The TFTP server over real UDP on 127.0.0.1: tftpy as the client for transfers, and raw
datagrams where the test must see the exact packet the server sends."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time

import pytest
import tftpy

from bmp_common import flight

from .conftest import download

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6


def request(port: int, opcode: int, name: str, mode: str = "octet", **options) -> bytes:
    """Send one RRQ/WRQ and return the first datagram the server answers with."""
    fields = [name, mode] + [item for pair in options.items() for item in pair]
    packet = struct.pack("!H", opcode) + b"".join(str(f).encode() + b"\x00" for f in fields)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(packet, ("127.0.0.1", port))
        answer, sender = sock.recvfrom(70_000)
        if answer[:2] in (struct.pack("!H", DATA), struct.pack("!H", OACK)):
            # End the transfer now rather than leave the server retransmitting.
            sock.sendto(struct.pack("!HH", ERROR, 0) + b"enough\x00", sender)
    return answer


def error_of(packet: bytes) -> tuple[int, str]:
    opcode, code = struct.unpack("!HH", packet[:4])
    assert opcode == ERROR, f"expected an ERROR packet, got opcode {opcode}"
    return code, packet[4:].rstrip(b"\x00").decode()


# ---------------------------------------------------------------------------- reads


@pytest.mark.parametrize("options", [{}, {"blksize": 1432}, {"blksize": 1468, "tsize": 0}])
def test_download_gives_the_file_bytes(tftp_server, tftp_root, options):
    assert (
        download(tftp_server.port, "undionly.kpxe", **options)
        == (tftp_root / "undionly.kpxe").read_bytes()
    )


@pytest.mark.parametrize("name", ["exact.bin", "empty.bin", "sub/ipxe.efi", "link-in"])
def test_edge_sizes_subfolders_and_links_inside_the_root(tftp_server, tftp_root, name):
    assert download(tftp_server.port, name) == (tftp_root / name).read_bytes()


def test_tsize_is_answered_with_the_file_size(tftp_server, tftp_root):
    answer = request(tftp_server.port, RRQ, "undionly.kpxe", tsize=0, blksize=1468)
    assert answer[:2] == struct.pack("!H", OACK)
    fields = answer[2:].rstrip(b"\x00").split(b"\x00")
    assert dict(zip(fields[::2], fields[1::2], strict=True)) == {
        b"tsize": str((tftp_root / "undionly.kpxe").stat().st_size).encode(),
        b"blksize": b"1468",
    }


def test_invalid_blksize_falls_back_to_512(tftp_server):
    answer = request(tftp_server.port, RRQ, "undionly.kpxe", blksize=0)
    opcode, block = struct.unpack("!HH", answer[:4])
    assert (opcode, block, len(answer) - 4) == (DATA, 1, 512)


def test_oversized_blksize_is_lowered_to_the_rfc_maximum(tftp_server):
    answer = request(tftp_server.port, RRQ, "undionly.kpxe", blksize=100_000)
    assert answer == struct.pack("!H", OACK) + b"blksize\x0065464\x00"


# ---------------------------------------------------------------------------- refusals


def test_missing_file_is_error_1(tftp_server):
    assert error_of(request(tftp_server.port, RRQ, "nope.efi")) == (1, "File not found")


def test_a_folder_is_not_a_file(tftp_server):
    assert error_of(request(tftp_server.port, RRQ, "sub"))[0] == 1


@pytest.mark.parametrize(
    "name", ["../secret.txt", "sub/../../secret.txt", "/etc/passwd", "link-out"]
)
def test_paths_out_of_the_root_are_an_access_violation(tftp_server, name):
    code, message = error_of(request(tftp_server.port, RRQ, name))
    assert code == 2, message
    assert "secret" not in message and "/etc" not in message


def test_tftpy_sees_the_refusal(tftp_server):
    with pytest.raises(tftpy.TftpException):
        download(tftp_server.port, "../secret.txt")


def test_write_request_is_refused_and_nothing_is_written(tftp_server, tftp_root, tmp_path):
    assert error_of(request(tftp_server.port, WRQ, "new.bin")) == (2, "This server is read-only")
    upload = tmp_path / "upload.bin"
    upload.write_bytes(b"overwrite")
    client = tftpy.TftpClient("127.0.0.1", tftp_server.port)
    with pytest.raises(tftpy.TftpException):
        client.upload("undionly.kpxe", str(upload), timeout=3)
    assert not (tftp_root / "new.bin").exists()
    assert (tftp_root / "undionly.kpxe").stat().st_size == 70_001


def test_malformed_datagrams_are_dropped_and_the_server_goes_on(tftp_server, tftp_root):
    junk = [b"", b"\x00", b"\x00\x01", b"\x00\x01abc", b"\x00\x01a\x00", b"\xff\xff\x00\x00"]
    junk += [b"\x00\x04\x00\x01", b"\x00\x01\xff\xfe\x00octet\x00blksize\x00"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for datagram in junk:
            sock.sendto(datagram, ("127.0.0.1", tftp_server.port))
    assert download(tftp_server.port, "undionly.kpxe") == (tftp_root / "undionly.kpxe").read_bytes()


def test_a_stray_datagram_gets_error_5_and_the_transfer_goes_on(tftp_server, tftp_root):
    expected = (tftp_root / "undionly.kpxe").read_bytes()
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stray,
    ):
        client.settimeout(5)
        stray.settimeout(5)
        client.sendto(b"\x00\x01undionly.kpxe\x00octet\x00", ("127.0.0.1", tftp_server.port))
        first, transfer = client.recvfrom(600)
        assert first[:4] == struct.pack("!HH", DATA, 1) and first[4:] == expected[:512]
        stray.sendto(struct.pack("!HH", ACK, 1), transfer)
        assert error_of(stray.recv(600))[0] == 5
        client.sendto(struct.pack("!HH", ACK, 1), transfer)
        second = client.recv(600)
        assert second[:4] == struct.pack("!HH", DATA, 2) and second[4:] == expected[512:1024]
        client.sendto(struct.pack("!HH", ERROR, 0) + b"done\x00", transfer)


def test_a_client_that_went_away_ends_its_transfer_at_the_first_retransmit(tftp_server):
    # The transfer's socket is connected: the ICMP "port unreachable" its retransmit draws
    # ends it, instead of five more retransmits over ten seconds.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(5)
        client.sendto(b"\x00\x01undionly.kpxe\x00octet\x00", ("127.0.0.1", tftp_server.port))
        first, _ = client.recvfrom(600)
        assert first[:4] == struct.pack("!HH", DATA, 1)
    began = time.monotonic()
    entry = tftp_server.transfer_log("undionly.kpxe")
    assert (entry["status"], entry["error"]) == ("error", "The client's port is closed")
    assert entry["retransmits"] == 1
    assert time.monotonic() - began < 8


# ---------------------------------------------------------------------------- logs


def test_each_transfer_is_one_json_line(tftp_server):
    download(tftp_server.port, "undionly.kpxe", blksize=1432)
    entry = tftp_server.transfer_log("undionly.kpxe")
    assert entry["status"] == "ok"
    assert entry["bytes"] == 70_001
    assert entry["blksize"] == 1432
    assert entry["client"].startswith("127.0.0.1:")
    assert 0 <= entry["duration_s"] < 5
    assert entry["service"] == "tftp" and entry["level"] == "INFO"


def test_a_refused_transfer_is_logged_with_its_error(tftp_server):
    request(tftp_server.port, RRQ, "../secret.txt")
    entry = tftp_server.transfer_log("../secret.txt")
    assert (entry["status"], entry["error_code"], entry["level"]) == ("error", 2, "WARNING")


def test_a_tsize_probe_the_client_aborts_is_logged_as_such(tftp_server):
    request(tftp_server.port, RRQ, "undionly.kpxe", tsize=0)  # OACK, then our ERROR
    entry = tftp_server.transfer_log("undionly.kpxe")
    assert (entry["status"], entry["level"], entry["bytes"]) == ("client_aborted", "INFO", 0)


def test_the_healthcheck_passes_on_a_server_and_fails_without_one(tftp_server, tftp_root):
    command = [sys.executable, "-m", "bmp_tftp.healthcheck", "--port", str(tftp_server.port)]
    ok = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (ok.returncode, ok.stdout) == (0, "tftp ok: undionly.kpxe 70001 bytes\n")
    missing = subprocess.run([*command, "--file", "nope"], capture_output=True, check=False)
    assert missing.returncode == 1
    tftp_server.stop()
    down = subprocess.run(command, capture_output=True, check=False, timeout=20)
    assert down.returncode == 1


def test_each_transfer_is_in_the_flight_recorder_by_client_address(tftp_server):
    since = time.time()
    download(tftp_server.port, "undionly.kpxe")
    deadline = time.monotonic() + 5  # recorded right after the transfer's log line
    while not (fetched := _tftp_entries(since)) and time.monotonic() < deadline:
        time.sleep(0.05)

    assert [(e["kind"], e["detail"]) for e in fetched] == [
        ("file_fetched", {"file": "undionly.kpxe", "bytes": 70_001, "status": "ok"})
    ]


def _tftp_entries(since: float) -> list[dict]:
    entries = flight.read("-", nodes=["127.0.0.1"], since=since)
    return [e for e in entries if e["source"] == "tftp"]

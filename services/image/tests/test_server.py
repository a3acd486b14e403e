"""The image server over a real socket: statuses, headers and bytes as a client sees them."""

from __future__ import annotations

import socket
import time

import pytest

from bmp_common import flight

from .conftest import BIG


def test_get_gives_the_whole_file(image_server, image_root):
    status, headers, body = image_server.fetch("GET", "/big.tar.xz")
    assert status == 200
    assert body == (image_root / "big.tar.xz").read_bytes()
    assert headers["Content-Length"] == str(BIG)
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["ETag"].startswith('"') and headers["Last-Modified"].endswith(" GMT")
    assert headers["Content-Type"] == "application/x-xz"


@pytest.mark.parametrize(
    ("path", "name", "content_type"),
    [
        ("/liveos/vmlinuz", "liveos/vmlinuz", "application/octet-stream"),
        ("/boot.ipxe", "boot.ipxe", "text/plain"),
        ("/name%20with%20space.qcow2", "name with space.qcow2", "application/octet-stream"),
        ("/link-in", "liveos/vmlinuz", "application/octet-stream"),
        ("/empty.img?cache=no", "empty.img", "application/octet-stream"),
    ],
)
def test_files_by_url(image_server, image_root, path, name, content_type):
    status, headers, body = image_server.fetch("GET", path)
    assert (status, body) == (200, (image_root / name).read_bytes())
    assert headers["Content-Type"] == content_type


def test_head_gives_the_headers_without_a_body(image_server):
    _, get_headers, _ = image_server.fetch("GET", "/liveos/vmlinuz")
    status, headers, body = image_server.fetch("HEAD", "/liveos/vmlinuz")
    assert (status, body) == (200, b"")
    for name in ("Content-Length", "ETag", "Last-Modified", "Content-Type", "Accept-Ranges"):
        assert headers[name] == get_headers[name]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=10-19", 10, 19),
        ("bytes=99990-", 99990, 99999),
        ("bytes=-16", 99984, 99999),
        ("bytes=5-999999", 5, 99999),
        ("bytes=-200000", 0, 99999),
    ],
)
def test_a_range_gives_206_and_those_bytes(image_server, image_root, header, start, end):
    status, headers, body = image_server.fetch("GET", "/liveos/vmlinuz", {"Range": header})
    assert status == 206
    assert body == (image_root / "liveos" / "vmlinuz").read_bytes()[start : end + 1]
    assert headers["Content-Range"] == f"bytes {start}-{end}/100000"
    assert headers["Content-Length"] == str(end - start + 1)


def test_a_range_of_a_big_file_goes_through_sendfile_whole(image_server, image_root):
    status, _, body = image_server.fetch("GET", "/big.tar.xz", {"Range": "bytes=4096-"})
    assert (status, body) == (206, (image_root / "big.tar.xz").read_bytes()[4096:])


@pytest.mark.parametrize("header", ["bytes=100000-", "bytes=200000-300000", "bytes=-0"])
def test_an_unsatisfiable_range_is_416(image_server, header):
    status, headers, _ = image_server.fetch("GET", "/liveos/vmlinuz", {"Range": header})
    assert status == 416
    assert headers["Content-Range"] == "bytes */100000"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=9-5", "items=0-1", "bytes=x-"])
def test_ranges_we_do_not_serve_give_the_whole_file(image_server, image_root, header):
    status, _, body = image_server.fetch("GET", "/liveos/vmlinuz", {"Range": header})
    assert (status, body) == (200, (image_root / "liveos" / "vmlinuz").read_bytes())


def test_if_range_with_a_stale_tag_gives_the_whole_file(image_server):
    _, headers, _ = image_server.fetch("HEAD", "/liveos/vmlinuz")
    current = {"Range": "bytes=0-9", "If-Range": headers["ETag"]}
    stale = {"Range": "bytes=0-9", "If-Range": '"0-0"'}
    assert image_server.fetch("GET", "/liveos/vmlinuz", current)[0] == 206
    assert image_server.fetch("GET", "/liveos/vmlinuz", stale)[0] == 200


def test_a_current_copy_is_304(image_server):
    _, headers, _ = image_server.fetch("HEAD", "/liveos/vmlinuz")
    by_tag = image_server.fetch("GET", "/liveos/vmlinuz", {"If-None-Match": headers["ETag"]})
    by_date = image_server.fetch(
        "GET", "/liveos/vmlinuz", {"If-Modified-Since": headers["Last-Modified"]}
    )
    assert (by_tag[0], by_tag[2]) == (304, b"")
    assert (by_date[0], by_date[2]) == (304, b"")


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/liveos/../../secret.txt",
        "/liveos/..%2f..%2fsecret.txt",
        "//etc/passwd",
        "/link-out",
        "/liveos",
        "/liveos/",
        "/missing.iso",
        "/vmlinuz%00.txt",
    ],
)
def test_paths_out_of_the_root_folders_and_missing_files_are_404(image_server, path):
    status, _, body = image_server.fetch("GET", path)
    assert status == 404
    assert b"not for clients" not in body and b"root:" not in body


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH", "OPTIONS"])
def test_writes_are_405_and_change_nothing(image_server, image_root, method):
    before = (image_root / "boot.ipxe").read_bytes()
    status, headers, _ = image_server.fetch(method, "/boot.ipxe", body=b"#!ipxe\nshell\n")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"
    assert (image_root / "boot.ipxe").read_bytes() == before
    assert image_server.fetch(method, "/new.iso", body=b"x")[0] == 405
    assert not (image_root / "new.iso").exists()


def test_one_connection_serves_several_requests(image_server, image_root):
    connection = image_server.connect()
    try:
        for path, name in [("/boot.ipxe", "boot.ipxe"), ("/liveos/vmlinuz", "liveos/vmlinuz")]:
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.read() == (image_root / name).read_bytes()
        connection.request("GET", "/missing")
        response = connection.getresponse()
        assert (response.status, response.read()) == (404, b"404 Not Found\n")
        connection.request("GET", "/boot.ipxe", headers={"Range": "bytes=0-5"})
        assert connection.getresponse().read() == b"#!ipxe"
    finally:
        connection.close()


def test_health(image_server):
    assert image_server.fetch("GET", "/health")[:3:2] == (200, b"ok\n")


def test_each_request_is_one_json_access_line(image_server):
    image_server.fetch("GET", "/liveos/vmlinuz?probe=log", {"Range": "bytes=0-99"})
    entry = image_server.wait_for("http_access", path="/liveos/vmlinuz?probe=log")
    assert (entry["method"], entry["status"], entry["bytes"]) == ("GET", 206, 100)
    assert entry["range"] == "bytes=0-99"
    assert entry["client"] == "127.0.0.1"
    assert entry["service"] == "image" and entry["duration_s"] >= 0


def test_a_request_the_server_refuses_to_parse_is_answered_and_logged(image_server):
    with socket.create_connection(("127.0.0.1", image_server.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 431")
    image_server.wait_for("http_access", status=431)


def test_a_client_leaving_mid_file_is_logged_and_the_server_goes_on(image_server, image_root):
    with socket.create_connection(("127.0.0.1", image_server.port), timeout=5) as sock:
        sock.sendall(b"GET /big.tar.xz?probe=leave HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    entry = image_server.wait_for("http_access", path="/big.tar.xz?probe=leave")
    assert entry["status"] == 200 and entry["bytes"] < BIG
    status, _, body = image_server.fetch("GET", "/big.tar.xz")
    assert (status, body) == (200, (image_root / "big.tar.xz").read_bytes())


def test_each_file_fetched_is_in_the_flight_recorder_by_client_address(image_server):
    since = time.time()
    image_server.fetch("GET", "/liveos/vmlinuz")
    image_server.fetch("GET", "/no-such-file")

    deadline = time.monotonic() + 5
    while len(fetched := flight.read("-", nodes=["127.0.0.1"], since=since)) < 2:
        assert time.monotonic() < deadline, fetched
        time.sleep(0.05)

    assert [(e["source"], e["kind"]) for e in fetched] == [("http", "file_fetched")] * 2
    assert [(e["detail"]["file"], e["detail"]["status"]) for e in fetched] == [
        ("/liveos/vmlinuz", 200),
        ("/no-such-file", 404),
    ]

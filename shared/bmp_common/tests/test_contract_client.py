"""The runtime contract client against a recording HTTP server: what it refuses to send, what
it sends, and how it reads openapi's answers."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bmp_common.contract.client import (
    AnswerOutsideContract,
    Caller,
    KeyFileError,
    OpenapiClient,
    OpenapiError,
    OpenapiUnavailable,
    RequestOutsideContract,
    UnknownOperation,
)

TOKEN = "system-key-for-tests"


class Recorder(BaseHTTPRequestHandler):
    """Records every request and answers what the test put in ``server.answer``."""

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.server.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "body": json.loads(self.rfile.read(length)) if length else None,
            }
        )
        status, body = self.server.answer
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    httpd.seen = []
    httpd.answer = (200, {"requestId": "r1", "result": {"success": True}})
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


class ClosesKeptConnections(Recorder):
    """Answers a connection's first request and keeps it open, then closes it on the next
    request without an answer: a server's keep-alive timeout meeting a reused connection."""

    protocol_version = "HTTP/1.1"

    def handle(self):
        self.close_connection = False
        self.handle_one_request()
        if not self.close_connection and self.rfile.readline(65537):
            self.server.dropped += 1


@pytest.fixture
def closing_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ClosesKeptConnections)
    httpd.seen, httpd.dropped = [], 0
    httpd.answer = (200, {"requestId": "r1", "result": {"success": True}})
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "system-api-key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, f"{TOKEN}\n".encode())
    os.close(fd)
    return path


@pytest.fixture
def client(server, key_file):
    return OpenapiClient(
        f"http://127.0.0.1:{server.server_port}", key_file=key_file, profile="console"
    )


def test_an_operation_the_contract_lacks_fails_before_any_request(client, server):
    with pytest.raises(UnknownOperation, match="not an operation of the contract"):
        client.call("dropAllTables")
    assert server.seen == []


def test_an_operation_of_another_profile_fails_before_any_request(client, server):
    # createUser is an operator call: openapi's console profile does not serve it.
    with pytest.raises(UnknownOperation, match="console profile"):
        client.call("createUser", body={"userName": "x"})
    assert server.seen == []


def test_a_body_outside_the_contract_is_never_sent(client, server):
    with pytest.raises(RequestOutsideContract, match="password"):
        client.call("verifyUser", body={"userName": "alice", "roleId": "role-user-uuid-01"})
    with pytest.raises(RequestOutsideContract, match="pageSize"):
        client.call("describeProjectInstances", query={"pageSize": "100000"})
    with pytest.raises(RequestOutsideContract, match="not a query parameter"):
        client.call("describeProjectInstances", query={"dropTable": "1"})
    assert server.seen == []


def test_sends_the_key_the_caller_headers_and_typed_values(client, server):
    caller = Caller(user_id="user-1", language="zh_CN", trace_id="trace-1", client_ip="10.1.2.3")
    result = client.call(
        "verifyUser",
        caller=caller,
        body={"userName": "alice", "password": "pw", "roleId": "role-user-uuid-01"},
    )
    assert result == {"success": True}
    [sent] = server.seen
    assert sent["method"] == "POST" and sent["path"] == "/v1/users/verify"
    assert sent["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert sent["headers"]["bmpUserId"] == "user-1"
    assert sent["headers"]["bmpLanguage"] == "zh_CN"
    assert sent["headers"]["traceId"] == "trace-1"
    assert sent["headers"]["bmpClientIp"] == "10.1.2.3"
    assert sent["body"]["userName"] == "alice"


def test_path_and_query_parameters(client, server):
    server.answer = (200, {"requestId": "r", "result": {"success": True}})
    client.call("startProjectInstance", caller=Caller(user_id="u"), path={"instance_id": "i-a b"})
    assert server.seen[-1]["path"] == "/v1/project/instances/i-a%20b/start"
    assert server.seen[-1]["method"] == "PUT"
    # bmpClientIp is not a parameter of this operation: not sent
    assert "bmpClientIp" not in server.seen[-1]["headers"]


def test_an_error_answer_raises_openapis_error(client, server):
    server.answer = (
        404,
        {
            "requestId": "r2",
            "error": {"code": 404, "status": "NOT_FOUND", "message": "资源不存在：实例"},
        },
    )
    with pytest.raises(OpenapiError) as raised:
        client.call("describeProjectInstance", path={"instance_id": "i-x"})
    error = raised.value
    assert (error.code, error.status, error.message) == (404, "NOT_FOUND", "资源不存在：实例")
    assert error.request_id == "r2"


def test_an_answer_outside_the_contract_is_refused(client, server):
    server.answer = (200, {"requestId": "r", "result": {"success": "yes"}})
    with pytest.raises(AnswerOutsideContract, match="success"):
        client.call("startProjectInstance", path={"instance_id": "i-1"})
    server.answer = (500, {"oops": True})
    with pytest.raises(AnswerOutsideContract, match="error envelope"):
        client.call("startProjectInstance", path={"instance_id": "i-1"})


def test_the_key_file_must_be_private(client, server, key_file):
    key_file.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        client.call("startProjectInstance", path={"instance_id": "i-1"})
    assert server.seen == []


def test_a_rotated_key_is_read_again(client, server, key_file):
    client.call("startProjectInstance", path={"instance_id": "i-1"})
    key_file.write_text("rotated-key-longer\n")
    client.call("startProjectInstance", path={"instance_id": "i-1"})
    assert server.seen[-1]["headers"]["Authorization"] == "Bearer rotated-key-longer"


def test_openapi_down_is_unavailable(key_file):
    client = OpenapiClient("http://127.0.0.1:9", key_file=key_file, profile="console")
    with pytest.raises(OpenapiUnavailable):
        client.call("startProjectInstance", path={"instance_id": "i-1"})


NOT_FOUND = (404, {"requestId": "r", "error": {"code": 404, "status": "NOT_FOUND", "message": "x"}})


def test_a_read_on_a_connection_openapi_closed_is_asked_again(closing_server, key_file):
    closing_server.answer = NOT_FOUND
    url = f"http://127.0.0.1:{closing_server.server_port}"
    client = OpenapiClient(url, key_file=key_file, profile="console")
    for _ in range(2):
        with pytest.raises(OpenapiError) as raised:  # openapi's answer, not "unavailable"
            client.call("describeProjectInstance", path={"instance_id": "i-x"})
        assert raised.value.code == 404
    assert closing_server.dropped == 1 and len(closing_server.seen) == 2


def test_a_write_on_a_connection_openapi_closed_is_not_sent_again(closing_server, key_file):
    url = f"http://127.0.0.1:{closing_server.server_port}"
    client = OpenapiClient(url, key_file=key_file, profile="console")
    client.call("startProjectInstance", path={"instance_id": "i-1"})
    with pytest.raises(OpenapiUnavailable):
        client.call("startProjectInstance", path={"instance_id": "i-1"})
    assert closing_server.dropped == 1 and len(closing_server.seen) == 1

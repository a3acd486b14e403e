"""Every answer is the envelope, whatever goes wrong: users see requestId, code, status, message."""

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView


class CrashingApi(APIView):
    authentication_classes = ()
    permission_classes = ()

    def get(self, request):
        raise RuntimeError("database password=hunter2 leaked into an exception")


class EchoApi(APIView):
    authentication_classes = ()
    permission_classes = ()

    def post(self, request):
        return Response({"echo": request.data})


urlpatterns = [path("v1/crash", CrashingApi.as_view()), path("v1/echo", EchoApi.as_view())]
handler404 = "bmp_common.api.exceptions.page_not_found"
handler500 = "bmp_common.api.exceptions.server_error"


def test_unknown_path_is_a_404_envelope_whose_request_id_is_the_trace_id(api):
    answer = api.get("/v1/nothing")

    assert answer.status_code == 404
    body = answer.json()
    assert body["error"] == {
        "code": 404,
        "message": "No such path: /v1/nothing",
        "status": "NOT_FOUND",
    }
    assert body["requestId"] == answer["TraceId"]
    assert len(body["requestId"]) == 32


def test_unknown_path_outside_v1_is_an_envelope_too(api):
    answer = api.get("/index.php")

    assert answer.status_code == 404
    assert answer.json()["error"]["status"] == "NOT_FOUND"


def test_caller_trace_id_is_echoed_in_header_and_body(api):
    answer = api.get("/v1/nothing", HTTP_TRACEID="req-123.abc")

    assert answer["TraceId"] == "req-123.abc"
    assert answer.json()["requestId"] == "req-123.abc"


def test_a_trace_id_that_could_forge_log_lines_is_replaced(api):
    answer = api.get("/v1/nothing", HTTP_TRACEID="evil\ninjected line")

    assert "\n" not in answer["TraceId"]
    assert answer["TraceId"] != "evil\ninjected line"


@override_settings(ROOT_URLCONF=__name__)
def test_malformed_json_is_a_400_envelope(api):
    answer = api.generic("POST", "/v1/echo", "{not json", content_type="application/json")

    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": 400,
        "message": "The request body is not valid JSON",
        "status": "INVALID_ARGUMENT",
    }


@override_settings(ROOT_URLCONF=__name__)
def test_a_body_that_is_not_json_is_a_415_envelope(api):
    answer = api.generic(
        "POST", "/v1/echo", "a=1", content_type="application/x-www-form-urlencoded"
    )

    assert answer.status_code == 415
    assert answer.json()["error"]["status"] == "UNSUPPORTED_MEDIA_TYPE"


def test_method_not_allowed_is_a_405_envelope_with_allow_header(api):
    answer = api.delete("/v1/health")

    assert answer.status_code == 405
    assert answer.json()["error"]["status"] == "METHOD_NOT_ALLOWED"
    assert answer.json()["error"]["message"] == "Method DELETE is not allowed here"
    assert "GET" in answer["Allow"]


def test_plain_django_405_is_turned_into_the_envelope(api):
    # swagger.json is a document view; a POST to it still answers with the envelope.
    answer = api.post("/swagger.json")

    assert answer.status_code == 405
    assert answer.json()["error"]["code"] == 405


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_crash_is_a_500_envelope_without_details(db):
    from bmp_common.testing.contract import ContractClient

    client = ContractClient(raise_request_exception=False)
    answer = client.get("/v1/crash", HTTP_TRACEID="crash-1")

    assert answer.status_code == 500
    body = answer.json()
    assert body["error"]["status"] == "INTERNAL"
    assert "crash-1" in body["error"]["message"]
    assert "hunter2" not in answer.content.decode()


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh_CN", "路径不存在：/v1/nothing"), ("en_US", "No such path: /v1/nothing")],
)
def test_bmp_language_header_picks_the_message_language(api, language, message):
    answer = api.get("/v1/nothing", HTTP_BMPLANGUAGE=language)

    assert answer.json()["error"]["message"] == message


def test_unknown_language_falls_back_to_english(api):
    answer = api.get("/v1/nothing", HTTP_BMPLANGUAGE="fr_FR")

    assert answer.json()["error"]["message"] == "No such path: /v1/nothing"


MIB = 1024 * 1024


@pytest.fixture
def echo(db):
    """A client for the echo view, which the contract does not know (its successes would fail)."""
    from django.test import Client

    return Client()


@override_settings(ROOT_URLCONF=__name__)
def test_a_json_body_over_1_mib_is_a_413_envelope(api):
    body = '{"pad": "' + "x" * (2 * MIB) + '"}'

    answer = api.generic("POST", "/v1/echo", body, content_type="application/json")

    assert answer.status_code == 413
    assert answer.json()["error"] == {
        "code": 413,
        "message": "The request is too large",
        "status": "TOO_LARGE",
    }


@override_settings(ROOT_URLCONF=__name__)
def test_the_body_limit_follows_the_setting(echo, settings):
    settings.BMP_MAX_JSON_BODY = 100

    small = echo.generic("POST", "/v1/echo", '{"a": "' + "x" * 80 + '"}', "application/json")
    large = echo.generic("POST", "/v1/echo", '{"a": "' + "x" * 100 + '"}', "application/json")

    assert (small.status_code, large.status_code) == (200, 413)


@override_settings(ROOT_URLCONF=__name__)
def test_a_chunked_body_without_length_is_never_read_past_the_limit(db, settings):
    """gunicorn hands a chunked body over without CONTENT_LENGTH: Django must not drain it."""
    from django.core.handlers.wsgi import WSGIHandler

    class EndlessBody:
        served = 0

        def read(self, size=-1):
            size = 64 * 1024 if size is None or size < 0 else size
            self.served += size
            return b"[" * size

        def readline(self, size=-1):
            return self.read(size)

    body = EndlessBody()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/v1/echo",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8801",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": body,
        "wsgi.url_scheme": "http",
    }
    statuses = []

    WSGIHandler()(environ, lambda status, headers: statuses.append(status))

    assert statuses[0].split()[0] in {"200", "400"}
    assert body.served <= settings.BMP_MAX_JSON_BODY


@override_settings(ROOT_URLCONF=__name__)
def test_json_nested_1000_levels_is_a_400_envelope(api):
    answer = api.generic("POST", "/v1/echo", "[" * 1000 + "]" * 1000, "application/json")

    assert answer.status_code == 400
    assert answer.json()["error"]["status"] == "INVALID_ARGUMENT"


@override_settings(ROOT_URLCONF=__name__)
def test_json_nested_deeper_than_64_levels_is_refused_and_64_accepted(echo):
    deep = echo.generic("POST", "/v1/echo", '{"a":' * 65 + "1" + "}" * 65, "application/json")
    fits = echo.generic("POST", "/v1/echo", "[" * 64 + "]" * 64, "application/json")

    assert deep.status_code == 400
    assert deep.json()["error"]["message"] == "The request body nests deeper than 64 levels"
    assert fits.status_code == 200


def test_an_oversized_body_to_a_real_operation_is_a_413_envelope(admin_api):
    answer = admin_api.generic(
        "POST", "/v1/devices", '{"pad": "' + "x" * (2 * MIB) + '"}', "application/json"
    )

    assert answer.status_code == 413
    assert answer.json()["error"]["status"] == "TOO_LARGE"


@pytest.mark.parametrize("host", ["evil.example", "10.66.0.1:8801"])
def test_a_request_naming_another_host_is_a_400_envelope(api, host):
    answer = api.get("/health", HTTP_HOST=host)

    assert answer.status_code == 400
    assert answer.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert host not in answer.content.decode()


def test_a_request_to_the_loopback_address_is_answered(api):
    assert api.get("/health", HTTP_HOST="127.0.0.1:8801").status_code == 200

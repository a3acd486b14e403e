"""The BFFs' oob-alert client: which routes it calls, what it sends with them, and how it
reads oob-alert's answers (over the real processes: tests/integration/test_oob_monitoring.py)."""

from __future__ import annotations

import json

import pytest

from bmp_common.contract.client import Caller
from bmp_common.oob_alert import (
    CONSOLE_ROUTES,
    OPERATION_ROUTES,
    OobAlertBadAnswer,
    OobAlertClient,
    OobAlertError,
    OobAlertUnavailable,
    UnknownRoute,
    oob_query,
)

USER = Caller(user_id="user-abc", language="zh_CN", trace_id="trace-1")


@pytest.fixture
def client(tmp_path):
    key = tmp_path / "system-api-key"
    key.write_text("system-key")
    key.chmod(0o600)
    return OobAlertClient("http://127.0.0.1:1/", key_file=key)


def test_the_console_routes_are_a_part_of_the_portals():
    assert CONSOLE_ROUTES < OPERATION_ROUTES
    assert ("POST", "logs/deal") not in CONSOLE_ROUTES
    assert not any(route.startswith("agent/") for _, route in OPERATION_ROUTES)


def test_a_route_outside_the_lists_or_without_a_user_is_never_sent(client):
    with pytest.raises(UnknownRoute):
        client.request_for("GET", "agent/cursors", caller=USER)
    with pytest.raises(UnknownRoute):
        client.request_for("GET", "logs/deal", caller=USER)  # POST only
    with pytest.raises(UnknownRoute):  # the system key alone is oob-agent's
        client.request_for("GET", "logs", caller=Caller())


def test_what_is_sent(client):
    url, headers, body = client.request_for(
        "GET", "consolelogs", caller=USER, query={"sn": "SN 1", "page_num": "2", "level": ""}
    )
    assert url == "http://127.0.0.1:1/v1/oob-alert/consolelogs?sn=SN+1&page_num=2"
    assert headers == {
        "Accept": "application/json",
        "bmpUserId": "user-abc",
        "bmpLanguage": "zh_CN",
        "traceId": "trace-1",
    }
    assert body is None
    _, headers, body = client.request_for("POST", "logs/deal", caller=USER, body={"logid": 3})
    assert json.loads(body) == {"logid": 3} and headers["Content-Type"] == "application/json"


def test_the_spas_query_names_become_oob_alerts():
    assert oob_query({"idcId": "idc-1", "pageNumber": "2", "pageSize": "50", "sn": "x"}) == {
        "idc_id": "idc-1",
        "page_num": "2",
        "page_size": "50",
        "sn": "x",
    }
    assert oob_query({"page_num": "3", "pageNumber": "2"}) == {"page_num": "3"}


def test_answers():
    ok = json.dumps({"requestId": "r", "result": {"success": True}}).encode()
    assert OobAlertClient._answer("logs/deal", 200, "application/json", ok) == {"success": True}
    refused = {"requestId": "r", "error": {"code": 404, "status": "NOT_FOUND", "message": "无"}}
    with pytest.raises(OobAlertError) as caught:
        OobAlertClient._answer("logs/deal", 404, "application/json", json.dumps(refused).encode())
    assert (caught.value.code, caught.value.status, caught.value.message) == (
        404,
        "NOT_FOUND",
        "无",
    )
    with pytest.raises(OobAlertBadAnswer):
        OobAlertClient._answer("logs", 502, "text/html", b"<html>bad gateway</html>")
    with pytest.raises(OobAlertBadAnswer):
        OobAlertClient._answer("logs", 200, "application/json", b'{"detail": []}')


def test_oob_alert_down_is_unavailable(client):
    with pytest.raises(OobAlertUnavailable):
        client.call("GET", "logs", caller=USER)

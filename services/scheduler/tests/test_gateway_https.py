"""The agent endpoints answer over HTTPS only; iPXE's script stays on plain HTTP."""

from bmp_common.messages import jobs


def _into_liveos(lab, sn, mac):
    lab.submit(jobs.DELETE_INSTANCE, sn=sn, mac=mac)
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    return lab.token_for(mac)


def test_agent_calls_over_plain_http_are_refused_with_the_https_url(lab, client, settings):
    settings.BMP_GATEWAY_URL = "https://10.0.0.1:8813"
    token = _into_liveos(lab, "SN-T1", "52:54:00:dd:00:01")
    body = {"sn": "SN-T1", "token": token}
    result = {**body, "step_id": 1, "attempt": 1, "status": "ok"}
    bodies = {
        "/v1/agent/heartbeat": body,
        "/v1/agent/result": result,
        "/v1/agent/results": {**body, "results": [result]},
    }

    for path, sent in bodies.items():
        response = client.post(path, sent, content_type="application/json")  # plain HTTP

        assert response.status_code == 403, path
        error = response.json()["error"]
        assert error["status"] == "PERMISSION_DENIED"
        assert "HTTPS only: https://10.0.0.1:8813" in error["message"]
        assert "steps" not in (response.json().get("result") or {})

    # The same heartbeat over HTTPS is handed its step: the refusal was the scheme alone.
    steps = lab.heartbeat("SN-T1", token).json()["result"]["steps"]
    assert [step["action"] for step in steps][:1] == ["Ping"]


def test_a_forwarded_proto_header_does_not_make_plain_http_secure(lab, client):
    token = _into_liveos(lab, "SN-T2", "52:54:00:dd:00:02")

    response = client.post(
        "/v1/agent/heartbeat",
        {"sn": "SN-T2", "token": token},
        content_type="application/json",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_SSL="on",
    )

    assert response.status_code == 403


def test_the_ipxe_script_and_health_stay_on_plain_http(lab, client):
    _into_liveos(lab, "SN-T3", "52:54:00:dd:00:03")

    script = client.get("/v1/boot/ipxe", {"mac": "52:54:00:dd:00:03"})
    health = client.get("/health")

    assert script.status_code == 200 and script.content.startswith(b"#!ipxe")
    assert health.status_code == 200

"""What a machine on the provisioning network sends the gateway cannot cost more than a 4xx."""

import pytest

from .conftest import TlsClient

MIB = 1024 * 1024


@pytest.mark.parametrize("path", ["/v1/agent/heartbeat", "/v1/agent/result"])
def test_a_body_over_1_mib_is_a_413_envelope(db, path):
    client = TlsClient()  # the agent endpoints answer over HTTPS only
    body = '{"sn": "SN1", "pad": "' + "x" * (2 * MIB) + '"}'

    answer = client.post(path, body, content_type="application/json")

    assert answer.status_code == 413
    assert answer.json()["error"]["status"] == "TOO_LARGE"
    assert "requestId" in answer.json()


@pytest.mark.parametrize(
    "body",
    ["[" * 1000 + "]" * 1000, '{"sn":' * 65 + '"SN1"' + "}" * 65, '{"sn": "SN1"', "\xff{"],
    ids=["1000-nested-arrays", "65-nested-objects", "broken", "not-utf8"],
)
def test_a_malformed_or_too_deep_body_is_a_400_envelope(db, body):
    client = TlsClient()
    answer = client.post("/v1/agent/heartbeat", body.encode("latin-1"), "application/json")

    assert answer.status_code == 400
    assert answer.json()["error"]["status"] == "INVALID_ARGUMENT"

"""schemathesis over every contract operation: no 5xx, no answer outside the envelope.

Seeded (``derandomize``) so a CI failure replays the same way on a developer's machine.
"""

import os

import pytest
import schemathesis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bmp_openapi.accounts.services import apikey_create, user_create
from bmp_openapi.wsgi import application

CONSOLE = {
    "BMP_OPENAPI_PROFILE": "console",
    "BMP_CONTRACT_PROFILE": "console",
    "ROOT_URLCONF": "bmp_openapi.urls_console",
}


def _openssh(private_key) -> str:
    encoding, public_format = serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    return private_key.public_key().public_bytes(encoding, public_format).decode()


# format: ssh-public-key (createUserSshkey's key): real OpenSSH public keys, which the server
# parses; any other string is refused, as the contract says.
_SSH_KEYS = [
    _openssh(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    *(_openssh(ec.generate_private_key(c)) for c in (ec.SECP256R1(), ec.SECP384R1())),
]
_ssh_public_keys = st.one_of(
    st.sampled_from(_SSH_KEYS),
    st.binary(min_size=32, max_size=32).map(
        lambda seed: _openssh(ed25519.Ed25519PrivateKey.from_private_bytes(seed))
    ),
)
_ssh_comments = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40)
schemathesis.openapi.format(
    "ssh-public-key",
    st.tuples(_ssh_public_keys, _ssh_comments).map(lambda pair: f"{pair[0]} {pair[1]}".rstrip()),
)

schema = schemathesis.openapi.from_wsgi("/swagger.json", application)
with override_settings(**CONSOLE):
    console_schema = schemathesis.openapi.from_wsgi("/swagger.json", application)

# Examples per operation: BMP_FUZZ_EXAMPLES (run-tests.sh runs fewer on its second pass, which
# repeats the first on MariaDB/RabbitMQ; derandomized, so those are the first pass's first ones).
SETTINGS = settings(
    derandomize=True,
    max_examples=int(os.environ.get("BMP_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def test_transaction_connection():
    """Keep the test's database connection open across WSGI calls, as Django's test client does.

    schemathesis calls the WSGI app directly, whose end-of-request hook would close the
    connection holding the test transaction (MySQL then answers "server has gone away").
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def check_envelope(ctx, response, case):
    """Every answer carries requestId, and an error's code equals the HTTP status.

    A replayed answer (a repeated Idempotency-Key) carries the first request's requestId.
    """
    body = response.json()
    assert isinstance(body, dict), "answer is not a JSON object"
    headers = {name.lower(): values for name, values in response.headers.items()}
    if "idempotent-replayed" in headers:
        assert isinstance(body.get("requestId"), str), "a replay without its requestId"
    else:
        assert body.get("requestId") == headers["traceid"][0], "requestId differs from TraceId"
    if response.status_code >= 400:
        assert set(body) == {"requestId", "error"}, f"not an error envelope: {body}"
        assert body["error"]["code"] == response.status_code
    else:
        assert set(body) == {"requestId", "result"}, f"not a success envelope: {body}"


@schema.parametrize()
@SETTINGS
def test_every_operation_answers_within_the_contract(case, admin, test_transaction_connection):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin.api_key}"},
        additional_checks=[check_envelope],
    )


@pytest.fixture
def console_admin_key(db):
    admin = user_create(user_name="owner", password="Pass-word-123", role_id="role-admin-uuid-01")
    return apikey_create(user=admin, name="console", source="console")[1]


@console_schema.parametrize()
@SETTINGS
def test_every_console_operation_answers_within_the_contract(
    case, console_admin_key, test_transaction_connection
):
    with override_settings(**CONSOLE):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {console_admin_key}"},
            additional_checks=[check_envelope],
        )

"""The settings every service starts from: the Host headers it answers, the body size it takes."""

import pytest

from bmp_common.django_settings import base_settings

BIND_KEYS = [
    "BMP_ALLOWED_HOSTS",
    "BMP_API_BIND",
    "BMP_PROVISION_BIND",
    "BMP_HOST_IP",
    "BMP_SERVICE_HOSTS",
]


@pytest.fixture
def bare_env(monkeypatch):
    for key in [*BIND_KEYS, "BMP_GATEWAY_URL", "BMP_MAX_JSON_BODY"]:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("BMP_SECRET_KEY", "s" * 50)
    monkeypatch.setenv("BMP_ENCRYPTION_KEY", "k" * 44)
    return monkeypatch


def test_by_default_a_service_answers_only_its_loopback_names(bare_env):
    for service in ("openapi", "scheduler"):
        assert base_settings(service)["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]


def test_the_operator_api_also_answers_its_bind_address_and_not_the_provisioning_one(bare_env):
    bare_env.setenv("BMP_API_BIND", "192.168.7.2")
    bare_env.setenv("BMP_PROVISION_BIND", "10.0.0.1")

    assert base_settings("openapi")["ALLOWED_HOSTS"][3:] == ["192.168.7.2"]


def test_the_gateway_answers_its_bind_address_and_the_address_the_servers_call(bare_env):
    bare_env.setenv("BMP_PROVISION_BIND", "0.0.0.0")  # noqa: S104 (everywhere: names no host)
    bare_env.setenv("BMP_HOST_IP", "fd00::1")
    bare_env.setenv("BMP_GATEWAY_URL", "http://10.0.0.1:8803")

    assert base_settings("scheduler")["ALLOWED_HOSTS"][3:] == ["[fd00::1]", "10.0.0.1"]


def test_a_service_answers_the_names_it_is_called_by_on_a_private_network(bare_env):
    """In docker compose, bmp-oob-agent calls http://bmp-oob-alert:8804 (Host: bmp-oob-alert)."""
    bare_env.setenv("BMP_API_BIND", "192.168.7.2")
    bare_env.setenv("BMP_SERVICE_HOSTS", "bmp-oob-alert")

    assert base_settings("oob_alert")["ALLOWED_HOSTS"][3:] == ["192.168.7.2", "bmp-oob-alert"]


def test_configured_hosts_replace_the_default_and_an_empty_value_keeps_it(bare_env):
    bare_env.setenv("BMP_ALLOWED_HOSTS", "bmp.example, 10.0.0.9")
    assert base_settings("openapi")["ALLOWED_HOSTS"] == ["bmp.example", "10.0.0.9"]

    bare_env.setenv("BMP_ALLOWED_HOSTS", "")
    assert "*" not in base_settings("openapi")["ALLOWED_HOSTS"]
    assert base_settings("openapi")["ALLOWED_HOSTS"]


def test_the_json_body_limit_is_1_mib_unless_configured(bare_env):
    assert base_settings("openapi")["BMP_MAX_JSON_BODY"] == 1024 * 1024

    bare_env.setenv("BMP_MAX_JSON_BODY", "4096")
    assert base_settings("openapi")["BMP_MAX_JSON_BODY"] == 4096

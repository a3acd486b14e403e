"""/health tells an operator (and a container healthcheck) whether dependencies answer."""

from django.test import override_settings


def test_health_reports_every_dependency_ok(api):
    for path in ("/health", "/v1/health"):
        answer = api.get(path)

        assert answer.status_code == 200
        assert answer.json()["result"] == {
            "status": "ok",
            "service": "openapi",
            "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
        }


def test_health_needs_no_credentials_and_shows_no_secret(api, settings):
    answer = api.get("/health")

    text = answer.content.decode()
    assert answer.status_code == 200
    assert settings.SECRET_KEY not in text
    assert "://" not in text


UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://:s3cret-pass@127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
}


def test_unreachable_cache_is_a_503_envelope_naming_it(api):
    with override_settings(CACHES=UNREACHABLE_CACHE):
        answer = api.get("/health")

    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["status"] == "UNAVAILABLE"
    assert "cache" in error["message"]
    assert "database" not in error["message"]
    assert "s3cret-pass" not in answer.content.decode()


def test_unreachable_broker_is_a_503_envelope_naming_it(api):
    with override_settings(CELERY_BROKER_URL="amqp://guest:s3cret-pass@127.0.0.1:1//"):
        answer = api.get("/health")

    assert answer.status_code == 503
    assert "broker" in answer.json()["error"]["message"]
    assert "s3cret-pass" not in answer.content.decode()

"""Settings from BMP_* keys: what an operator writes in .env is what the services use."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from bmp_common import env

SERVER_KEYS = [
    "BMP_DATABASE_URL", "BMP_DB_HOST", "BMP_DB_PORT", "BMP_DB_USER", "BMP_DB_PASSWORD",
    "BMP_DB_NAME", "BMP_REDIS_URL", "BMP_REDIS_HOST", "BMP_REDIS_PORT", "BMP_REDIS_PASSWORD",
    "BMP_REDIS_USER", "BMP_REDIS_DB_BASE", "BMP_BROKER_URL", "BMP_MQ_HOST", "BMP_MQ_PORT",
    "BMP_MQ_USER", "BMP_MQ_PASSWORD", "BMP_MQ_VHOST",
]  # fmt: skip


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in SERVER_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("BMP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BMP_RUN_DIR", str(tmp_path / "run"))
    return monkeypatch


def test_nothing_configured_means_sqlite_and_the_private_redis(clean_env, tmp_path):
    database = env.database_config()

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(tmp_path / "data" / "bmp.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert env.redis_url(2) == f"unix://{tmp_path}/run/redis.sock?db=2"
    assert env.broker_url() == f"redis+socket://{tmp_path}/run/redis.sock?virtual_host=0"


def test_upstream_db_keys_select_mysql(clean_env):
    clean_env.setenv("BMP_DB_HOST", "db.example")
    clean_env.setenv("BMP_DB_PORT", "3307")
    clean_env.setenv("BMP_DB_USER", "bmp_rw")
    clean_env.setenv("BMP_DB_PASSWORD", "p@ss:word")
    clean_env.setenv("BMP_DB_NAME", "bmpdb")

    database = env.database_config()

    assert database["ENGINE"] == "django.db.backends.mysql"
    assert (database["HOST"], database["PORT"], database["USER"]) == ("db.example", 3307, "bmp_rw")
    assert database["PASSWORD"] == "p@ss:word"
    assert database["NAME"] == "bmpdb"
    assert database["OPTIONS"]["charset"] == "utf8mb4"


def test_database_url_wins_and_decodes_its_password(clean_env):
    clean_env.setenv("BMP_DB_HOST", "ignored")
    clean_env.setenv("BMP_DATABASE_URL", "mysql://root:p%40ss@127.0.0.1:3306/bmp")

    database = env.database_config()

    assert (database["HOST"], database["PASSWORD"], database["NAME"]) == (
        "127.0.0.1",
        "p@ss",
        "bmp",
    )


def test_unsupported_database_url_is_a_clear_error(clean_env):
    clean_env.setenv("BMP_DATABASE_URL", "postgres://x@y/z")

    with pytest.raises(ImproperlyConfigured, match="postgres"):
        env.database_config()


def test_mq_keys_build_an_amqp_url_with_quoted_credentials(clean_env):
    clean_env.setenv("BMP_MQ_HOST", "mq")
    clean_env.setenv("BMP_MQ_USER", "bmp")
    clean_env.setenv("BMP_MQ_PASSWORD", "a/b@c")
    clean_env.setenv("BMP_MQ_VHOST", "/bmp")

    assert env.broker_url() == "amqp://bmp:a%2Fb%40c@mq:5672/%2Fbmp"


def test_redis_keys_build_a_url_per_logical_database(clean_env):
    clean_env.setenv("BMP_REDIS_HOST", "cache")
    clean_env.setenv("BMP_REDIS_PASSWORD", "pw")

    assert env.redis_url(2) == "redis://:pw@cache:6379/2"
    assert env.broker_url() == "redis://:pw@cache:6379/0"


def test_a_redis_acl_user_goes_in_the_url(clean_env):
    clean_env.setenv("BMP_REDIS_HOST", "bmp-redis")
    clean_env.setenv("BMP_REDIS_USER", "bmp-flight")
    clean_env.setenv("BMP_REDIS_PASSWORD", "p@ss")

    assert env.redis_url(2) == "redis://bmp-flight:p%40ss@bmp-redis:6379/2"


def test_a_unix_socket_url_keeps_its_password(clean_env):
    clean_env.setenv("BMP_REDIS_URL", "unix://:pw@/run/relay.sock?db=9")

    assert env.redis_url(2) == "unix://:pw@/run/relay.sock?db=2"


def test_redis_url_override_gets_the_logical_database_replaced(clean_env):
    clean_env.setenv("BMP_REDIS_URL", "redis://127.0.0.1:6379/9")

    assert env.redis_url(2) == "redis://127.0.0.1:6379/2"


def test_a_second_platform_on_the_same_redis_counts_its_databases_from_its_base(clean_env):
    clean_env.setenv("BMP_REDIS_URL", "redis://127.0.0.1:6379")
    clean_env.setenv("BMP_REDIS_DB_BASE", "6")

    assert env.redis_url(env.REDIS_DB_CACHE) == "redis://127.0.0.1:6379/8"
    assert env.broker_url() == "redis://127.0.0.1:6379/6"
    clean_env.setenv("BMP_REDIS_DB_BASE", "-1")
    with pytest.raises(ImproperlyConfigured, match="BMP_REDIS_DB_BASE"):
        env.redis_url(0)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("0", False), ("", False)]
)
def test_booleans(clean_env, raw, expected):
    clean_env.setenv("BMP_X", raw)

    assert env.env_bool("BMP_X") is expected


def test_bad_values_name_the_key(clean_env):
    clean_env.setenv("BMP_X", "maybe")
    clean_env.setenv("BMP_N", "ten")

    with pytest.raises(ImproperlyConfigured, match="BMP_X"):
        env.env_bool("BMP_X")
    with pytest.raises(ImproperlyConfigured, match="BMP_N"):
        env.env_int("BMP_N", 1)


def test_required_key_missing_is_a_clear_error(clean_env):
    clean_env.delenv("BMP_NOT_SET", raising=False)

    with pytest.raises(ImproperlyConfigured, match="BMP_NOT_SET must be set"):
        env.env_str("BMP_NOT_SET", required=True)

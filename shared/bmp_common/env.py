"""Read ``BMP_*`` settings from the environment, with clear errors for bad values.

The keys follow upstream's ``.env`` (``BMP_DB_HOST``, ``BMP_REDIS_PORT``, ``BMP_MQ_USER``...); URL
overrides (``BMP_DATABASE_URL``, ``BMP_REDIS_URL``, ``BMP_BROKER_URL``) win when present.  With no
server configured at all, services use the embedded default of the local runtime: SQLite in the
data folder, and one private redis-server on a unix socket (broker, results, cache).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(key: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(key)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{key} must be set (see .env and README.md)")
        return default
    return value


def env_int(key: str, default: int) -> int:
    raw = os.environ.get(key, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{key} must be an integer, got {raw!r}") from None


def env_bool(key: str, default: bool = False) -> bool:
    raw = os.environ.get(key)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{key} must be a boolean (1/0, true/false), got {raw!r}")


def env_list(key: str, default: list[str]) -> list[str]:
    raw = os.environ.get(key)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """Where a service keeps its files (SQLite database, generated secrets...)."""
    return Path(env_str("BMP_DATA_DIR", str(Path.cwd() / "var" / "data")))


def run_dir() -> Path:
    """Where sockets and pid files live (the embedded redis socket among them)."""
    return Path(env_str("BMP_RUN_DIR", str(data_dir().parent / "run")))


def embedded_redis_socket() -> Path:
    return run_dir() / "redis.sock"


# -- database ------------------------------------------------------------------------------


def database_config() -> dict:
    """Django ``DATABASES['default']``: URL override, then ``BMP_DB_*``, then SQLite."""
    url = env_str("BMP_DATABASE_URL")
    if url:
        return _database_from_url(url)
    host = env_str("BMP_DB_HOST")
    if host:
        return _mysql(
            host=host,
            port=env_int("BMP_DB_PORT", 3306),
            user=env_str("BMP_DB_USER", "bmp"),
            password=env_str("BMP_DB_PASSWORD", ""),
            name=env_str("BMP_DB_NAME", "bmp"),
        )
    return _sqlite(data_dir() / "bmp.sqlite3")


def _database_from_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        return _sqlite(Path(path))
    if parts.scheme in {"mysql", "mariadb"}:
        return _mysql(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or "root"),
            password=unquote(parts.password or ""),
            name=parts.path.lstrip("/") or "bmp",
        )
    raise ImproperlyConfigured(
        f"BMP_DATABASE_URL scheme {parts.scheme!r} is not supported (use mysql:// or sqlite://)"
    )


def _mysql(*, host: str, port: int, user: str, password: str, name: str) -> dict:
    return {
        "ENGINE": "django.db.backends.mysql",
        "HOST": host,
        "PORT": port,
        "USER": user,
        "PASSWORD": password,
        "NAME": name,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"charset": "utf8mb4", "connect_timeout": 5},
        "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
    }


def _sqlite(path: Path) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # Writers queue instead of failing with "database is locked" mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # Opening a connection (and its PRAGMAs) cost a tenth of a gateway request.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        # Tests get a file too, not Django's in-memory default: threads and processes then
        # share it the way the runtime's do.
        "TEST": {"NAME": str(path.with_name(f"test_{path.name}"))},
    }


# -- redis and broker ----------------------------------------------------------------------


def redis_url(db: int) -> str:
    """A redis URL for logical database ``db`` (one of ``REDIS_DB_*``, counted from
    ``BMP_REDIS_DB_BASE``); the embedded server is reached by unix socket."""
    db += redis_db_base()
    url = env_str("BMP_REDIS_URL")
    if url:
        return _with_redis_db(url, db)
    host = env_str("BMP_REDIS_HOST")
    if host:
        password = env_str("BMP_REDIS_PASSWORD", "")
        # A Redis ACL user (BMP_REDIS_USER), or the default user of requirepass.
        user = quote(env_str("BMP_REDIS_USER", ""), safe="")
        auth = f"{user}:{quote(password, safe='')}@" if password else ""
        return f"redis://{auth}{host}:{env_int('BMP_REDIS_PORT', 6379)}/{db}"
    return f"unix://{embedded_redis_socket()}?db={db}"


def _with_redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        auth = parts.netloc.rpartition("@")[0]  # a user and password, kept
        return f"unix://{auth + '@' if auth else ''}{parts.path}?db={db}"
    base = url.split("?", 1)[0].rstrip("/")
    if parts.path not in ("", "/"):
        base = base.rsplit("/", 1)[0]
    return f"{base}/{db}"


def redis_db_base() -> int:
    """The first of the platform's REDIS_DBS databases: 0 unless two platforms share one Redis
    server (a test run's workers: each flushes its cache, which holds the flight recorder's
    lists, and must not flush the other's)."""
    base = env_int("BMP_REDIS_DB_BASE", 0)
    if base < 0:
        raise ImproperlyConfigured(f"BMP_REDIS_DB_BASE must be 0 or more, got {base}")
    return base


# Logical redis databases: one purpose each, so a FLUSHDB of the cache never drops tasks.
REDIS_DBS = 6  # databases a platform uses, from BMP_REDIS_DB_BASE on
REDIS_DB_BROKER = 0
REDIS_DB_RESULTS = 1
REDIS_DB_CACHE = 2
# The BFFs' login sessions, and the live-event streams openapi writes for them.
REDIS_DB_SESSIONS = 3
REDIS_DB_EVENTS = 4
# In-band monitoring: monitor-proxy's agent status and device tags, credential revocations.
REDIS_DB_MONITOR = 5


def broker_url() -> str:
    """Celery broker: ``BMP_BROKER_URL``, then RabbitMQ from ``BMP_MQ_*``, then redis."""
    url = env_str("BMP_BROKER_URL")
    if url:
        return url
    host = env_str("BMP_MQ_HOST")
    if host:
        user = quote(env_str("BMP_MQ_USER", "guest"), safe="")
        password = quote(env_str("BMP_MQ_PASSWORD", ""), safe="")
        vhost = quote(env_str("BMP_MQ_VHOST", "/"), safe="")
        return f"amqp://{user}:{password}@{host}:{env_int('BMP_MQ_PORT', 5672)}/{vhost}"
    return celery_redis_url(REDIS_DB_BROKER)


def result_backend_url() -> str:
    return celery_redis_url(REDIS_DB_RESULTS)


def celery_redis_url(db: int) -> str:
    """``redis_url`` as Celery/kombu spell it: a unix socket is ``redis+socket://``."""
    url = redis_url(db)
    if url.startswith("unix://"):
        return f"redis+socket://{urlsplit(url).path}?virtual_host={db + redis_db_base()}"
    return url

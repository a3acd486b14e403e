import pytest

# Build the default (operation) profile's routes now, before any test switches the profile:
# bmp_openapi.urls reads BMP_OPENAPI_PROFILE when it is first imported.
import bmp_openapi.urls  # noqa: F401
from bmp_common.testing.contract import ContractClient
from bmp_openapi.accounts.choices import ROLE_OPERATOR
from bmp_openapi.accounts.services import admin_bootstrap, apikey_create, user_create


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends with every table emptied (Django flushes them) and Django
    loads the seeded rows (roles, RAID levels, default projects) back only when the next
    serialized-rollback test starts. Run on several workers, any test may come next: the rows
    come back now (unless nothing follows: the test database is gone with the session)."""
    result = yield
    marker = item.get_closest_marker("django_db")
    if nextitem is not None and marker is not None and marker.kwargs.get("transaction"):
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
    return result


@pytest.fixture(autouse=True)
def fresh_cache():
    """Counters kept in the cache (login rate limits) must not leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 at production strength costs ~0.3 s a user; tests make hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def only_local_mail_servers(settings):
    """dialMail must never reach another host from a test (schemathesis sends any host name)."""
    settings.BMP_MAIL_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def api(db):
    """A client whose every answer is checked against the contract."""
    return ContractClient()


@pytest.fixture
def admin(db):
    """The admin user's credentials, as the first start creates them."""
    return admin_bootstrap(password="Admin-Pass-2026")


@pytest.fixture
def admin_api(api, admin):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {admin.api_key}")
    return api


@pytest.fixture
def make_user(db):
    """Creates a user with one API key; returns (user, token)."""

    def make(
        name="alice",
        *,
        language="en_US",
        role_id=ROLE_OPERATOR,
        read_only=False,
        source="operation",
        key_type="user",
    ):
        user = user_create(
            user_name=name, password="Pass-word-123", role_id=role_id, language=language
        )
        _, token = apikey_create(
            user=user, name=f"{name}-key", read_only=read_only, source=source, key_type=key_type
        )
        return user, token

    return make

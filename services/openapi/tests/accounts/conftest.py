from importlib import import_module

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def no_password_failures_left():
    """Failed-password counters live in the shared cache: each test starts without any."""

    def clear():
        if hasattr(cache, "delete_pattern"):
            cache.delete_pattern("accounts:password-failures:*")
        else:
            cache.clear()

    clear()
    yield
    clear()


@pytest.fixture
def as_user(api):
    """Points the contract client at a user's key; returns the client."""

    def use(token):
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return api

    return use


@pytest.fixture
def console(settings):
    """This process serves the console profile (port 8802) for the test."""
    # bmp_openapi.urls builds its patterns for the profile in force when first imported (and
    # urls_console imports it): import it under the default profile before switching.
    import_module("bmp_openapi.urls")
    settings.BMP_OPENAPI_PROFILE = "console"
    settings.ROOT_URLCONF = "bmp_openapi.urls_console"

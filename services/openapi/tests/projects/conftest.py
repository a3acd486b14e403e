import pytest

from bmp_openapi.accounts.choices import ROLE_USER

from .helpers import Caller


@pytest.fixture
def console_user(make_user):
    """Makes a tenant (role User) calling through the console."""

    def make(name):
        user, token = make_user(name, role_id=ROLE_USER, source="console")
        return Caller(user, token, console=True)

    return make


@pytest.fixture
def operator(make_user):
    user, token = make_user("olga")
    return Caller(user, token)

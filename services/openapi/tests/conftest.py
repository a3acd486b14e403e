import pytest

from bmp_common.testing.contract import ContractClient
from bmp_openapi.accounts.choices import ROLE_USER
from bmp_openapi.accounts.services import admin_bootstrap, apikey_create, user_create


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
    def make(name="alice", *, language="en_US", role_id=ROLE_USER, read_only=False):
        user = user_create(
            user_name=name, password="Pass-word-123", role_id=role_id, language=language
        )
        _, token = apikey_create(user=user, name=f"{name}-key", read_only=read_only)
        return user, token

    return make

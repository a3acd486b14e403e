"""Builders for the catalog's tests: each makes one resource through the API and returns its id."""

import pytest
from django.test import override_settings

from bmp_common.testing.contract import ContractClient
from bmp_openapi.accounts.choices import ROLE_USER

from .data import NEW_DEVICE_TYPE, NEW_IMAGE, NEW_OS, ok


@pytest.fixture
def make_idc(admin_api):
    def make(name="北京一区", name_en="beijing-1"):
        body = {"name": name, "nameEn": name_en, "level": "T4"}
        return ok(admin_api.post("/v1/idcs", body, format="json"))["idcId"]

    return make


@pytest.fixture
def idc_id(make_idc):
    return make_idc()


@pytest.fixture
def make_os(admin_api):
    def make(**changes):
        return ok(admin_api.post("/v1/oss", {**NEW_OS, **changes}, format="json"))["osId"]

    return make


@pytest.fixture
def make_image(admin_api):
    def make(**changes):
        return ok(admin_api.post("/v1/images", {**NEW_IMAGE, **changes}, format="json"))["imageId"]

    return make


@pytest.fixture
def make_device_type(admin_api, idc_id):
    def make(**changes):
        body = {**NEW_DEVICE_TYPE, "idcId": idc_id, **changes}
        return ok(admin_api.post("/v1/deviceTypes", body, format="json"))["deviceTypeId"]

    return make


class ConsoleClient:
    """Requests on the console profile (port 8802), as a tenant (role User)."""

    def __init__(self, client):
        self.client = client

    def _on_console(self, method, *args, **kwargs):
        with override_settings(
            BMP_OPENAPI_PROFILE="console",
            BMP_CONTRACT_PROFILE="console",
            ROOT_URLCONF="bmp_openapi.urls_console",
        ):
            return getattr(self.client, method)(*args, **kwargs)

    def get(self, *args, **kwargs):
        return self._on_console("get", *args, **kwargs)

    def post(self, *args, **kwargs):
        return self._on_console("post", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._on_console("delete", *args, **kwargs)


@pytest.fixture
def console_user_api(make_user):
    _, token = make_user("tenant", role_id=ROLE_USER, source="console")
    client = ContractClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return ConsoleClient(client)

"""describeResources: does a device type, image or user with that name exist already?"""

import pytest
from django.test import override_settings

from bmp_common.testing.contract import ContractClient
from bmp_openapi.accounts.choices import ROLE_USER
from bmp_openapi.catalog.models import DeviceType, Image, Os
from bmp_openapi.idcs.models import Idc


@pytest.fixture
def catalog(db):
    """One device type and one image, written straight to their tables."""
    idc = Idc.objects.create(idc_id="idc-1", name="北京一区", name_en="beijing-1", level="T4")
    os = Os.objects.create(
        os_id="o-1", os_name="CentOS 7.9 64-bit", os_type="CentOS", os_version="7.9",
        architecture="x86_64",
    )  # fmt: skip
    image = Image.objects.create(
        image_id="i-1", image_name="centos-7.9", os=os, format="tar", filename="c.tar.xz",
        url="{host}/c.tar.xz", hash="0" * 32, source="common", boot_mode="UEFI",
    )  # fmt: skip
    device_type = DeviceType.objects.create(
        device_type_id="dt-1", idc=idc, name="compute-large", device_type="cps.c.large",
        device_series="computer", architecture="x86_64", height=2, cpu_spec="common",
        cpu_amount=2, cpu_cores=32, cpu_manufacturer="Intel", cpu_model="6248",
        cpu_frequency="2.5", mem_spec="common", mem_type="DDR4", mem_size=32, mem_amount=16,
        mem_frequency=2933, nic_amount=2, nic_rate=25, interface_mode="bond", boot_mode="UEFI",
    )  # fmt: skip
    return device_type, image


def exists(api, query, **headers):
    answer = api.get(f"/v1/resources?{query}", **headers)
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]["success"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=compute-large", True),
        ("name=compute-small", False),
        ("deviceType=cps.c.large", True),
        ("deviceType=cps.c.small", False),
        ("imageName=centos-7.9", True),
        ("imageName=centos-8", False),
        ("userName=admin", True),
        ("userName=nobody", False),
        ("name=compute-small&imageName=centos-7.9", True),
        ("name=", False),
        ("", False),
    ],
)
def test_success_says_whether_the_name_is_taken(admin_api, catalog, query, expected):
    assert exists(admin_api, query) is expected


def test_deleted_things_do_not_hold_their_names(admin_api, catalog):
    device_type, image = catalog
    device_type.mark_deleted(actor="admin")
    image.mark_deleted(actor="admin")

    assert not exists(admin_api, "name=compute-large")
    assert not exists(admin_api, "imageName=centos-7.9")


@pytest.mark.parametrize(
    ("query", "field"), [("name=" + "x" * 65, "name"), ("colour=red", "colour")]
)
def test_bad_queries_are_400(admin_api, query, field):
    answer = admin_api.get(f"/v1/resources?{query}")

    assert answer.status_code == 400
    assert field in answer.json()["error"]["message"]


def test_a_tenant_may_check_names_but_not_probe_user_names(catalog, make_user):
    _, token = make_user("carol", role_id=ROLE_USER, source="console")
    client = ContractClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    with override_settings(BMP_OPENAPI_PROFILE="console", ROOT_URLCONF="bmp_openapi.urls_console"):
        assert exists(client, "imageName=centos-7.9")
        refused = client.get("/v1/resources?userName=admin")

    assert refused.status_code == 403
    assert refused.json()["error"]["status"] == "PERMISSION_DENIED"

"""describeDevices' totalCount from the grouped counts (DeviceCount, kept by triggers) is the
count of the rows the list returns, for every mix of the counted filters, after every kind of
write: the API's, a bulk insert, a QuerySet update, a soft and a hard delete, raw SQL."""

from __future__ import annotations

import itertools
import random

import pytest
from django.db import connection

from bmp_openapi.accounts.models import User
from bmp_openapi.core.rbac import CONSOLE, OPERATION
from bmp_openapi.devices import selectors
from bmp_openapi.devices.apis.devices import DeviceListCreateApi
from bmp_openapi.devices.models import Device
from bmp_openapi.idcs.models import Idc

from ..catalog.data import ok
from .conftest import create_idc, import_devices, spec

STATUSES = ("in", "putaway", "putawayfail", "created", "removed")


@pytest.fixture
def fleet(admin_api, make_device_type, settings):
    """Two IDCs, three device types (two series), 60 devices spread over every group."""
    settings.BMP_OPENAPI_PROFILE = OPERATION
    idcs = [create_idc(admin_api), create_idc(admin_api, name="上海一区", name_en="shanghai-1")]
    types = [
        make_device_type(idcs[0], "c.one"),
        make_device_type(idcs[0], "s.two", device_series="storage"),
        make_device_type(idcs[1], "g.three", device_series="gpu"),
    ]
    idc_rows = [Idc.objects.get(idc_id=idc_id) for idc_id in idcs]
    Device.objects.bulk_create(
        Device(
            device_id=f"d-count-{n}",
            sn=f"SNC{n:04d}",
            idc=idc_rows[n % 2],
            device_type=(None, *types)[n % 4],
            manage_status=STATUSES[n % 5],
            collect_status=str(n % 3 // 2 + 1),
            cabinet="A1",
            u_position="1",
            mac1=f"0c:00:00:00:{n // 256:02x}:{n % 256:02x}",
            private_ipv4=f"10.9.{n // 200}.{n % 200 + 1}",
            mask="255.255.0.0",
            gateway="10.9.0.254",
            ilo_ip=f"10.8.{n // 200}.{n % 200 + 1}",
        )
        for n in range(60)
    )
    return {"idcs": idcs, "types": types}


def _filter_choices(fleet) -> dict[str, list[str]]:
    one, two, three = (t.device_type_id for t in fleet["types"])
    return {
        "idcId": ["", *fleet["idcs"], "idc-none"],
        "manageStatus": ["", "putaway", "putaway,in,created", "removed"],
        "collectStatus": ["", "1", "2"],
        "deviceTypeId": ["", one, f"{two},{three}", "dt-none"],
        "deviceSeries": ["", "storage", "computer,gpu"],
    }


def assert_counts_match(fleet, admin_user, samples: int = 80) -> None:
    choices = _filter_choices(fleet)
    combos = list(itertools.product(*choices.values()))
    picked = [combos[0], *random.Random(len(combos)).sample(combos, samples)]
    for values in picked:
        filters = dict(zip(choices, values, strict=True))
        counted = selectors.device_list_count(principal=admin_user, filters=filters)
        listed = selectors.device_list(principal=admin_user, filters=filters).count()
        assert counted == listed, filters


@pytest.fixture
def admin_user(admin):
    return User.objects.select_related("role").get(user_name="admin")


def test_counts_match_the_list_after_every_kind_of_write(fleet, admin_user, admin_api):
    assert_counts_match(fleet, admin_user)

    # A QuerySet update (many rows, one statement), of a group column and of another.
    Device.objects.filter(manage_status="in").update(manage_status="putaway")
    Device.objects.filter(collect_status="1").update(description="not a group column")
    assert_counts_match(fleet, admin_user)

    # One row saved whole (every column written, its group changed).
    device = Device.objects.filter(device_type=None).first()
    device.device_type = fleet["types"][0]
    device.collect_status = "2"
    device.save()
    # A soft delete, a hard delete, raw SQL moving devices between IDCs and types.
    Device.objects.get(device_id="d-count-7").mark_deleted(actor="test")
    Device.objects.filter(device_id="d-count-8").delete()
    idc_two = Idc.objects.get(idc_id=fleet["idcs"][1])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE device SET idc_id = %s, device_type_id = NULL WHERE id %% 7 = 0",
            [idc_two.pk],
        )
    assert_counts_match(fleet, admin_user)

    # The API's answer, after a device imported through it.
    ok(import_devices(admin_api, fleet["idcs"][0], [spec(1)]))
    assert_counts_match(fleet, admin_user)
    for query in ("", f"idcId={fleet['idcs'][0]}", "manageStatus=putaway,created"):
        answer = ok(admin_api.get(f"/v1/devices?{query}"))
        filters = dict(part.split("=") for part in query.split("&") if part)
        listed = selectors.device_list(principal=admin_user, filters=filters).count()
        assert answer["totalCount"] == listed


def test_a_tenant_and_a_narrow_filter_count_their_rows(fleet, admin_user, settings):
    assert selectors.device_list_count(principal=admin_user, filters={"sn": "SNC"}) is None
    assert selectors.device_list_count(principal=admin_user, filters={"userId": "u"}) is None
    settings.BMP_OPENAPI_PROFILE = CONSOLE  # there the admin is a tenant
    assert selectors.device_list_count(principal=admin_user, filters={}) is None


def test_the_count_knows_every_filter_of_the_list():
    """A filter the count did not know of would be left out of the count: every filter the
    list accepts is in selectors.FILTERS."""
    accepted = set(DeviceListCreateApi.FilterSerializer().fields)
    assert accepted - {"pageNumber", "pageSize", "isAll"} == set(selectors.FILTERS)

"""The fleet instance list's totalCount from the grouped counts (InstanceCount, kept by
triggers) is the count of the rows the list returns, for every mix of the counted filters,
after every kind of write: creates and transitions through the API, a bulk insert, status
updates of many rows, a soft and a hard delete, raw SQL."""

from __future__ import annotations

import itertools

from django.db import connection

from bmp_openapi.accounts.models import User
from bmp_openapi.catalog.models import DeviceType
from bmp_openapi.idcs.models import Idc
from bmp_openapi.instances import selectors
from bmp_openapi.instances.apis.instances import InstanceListCreateApi
from bmp_openapi.instances.models import STATUS_WRITER, Instance, InstancePartition

from ..catalog.data import ok
from .conftest import Stock
from .test_instance_access_and_batches import default_project, tenant
from .test_instance_list_queries import _create

STATUSES = ("running", "stopped", "Creation failed", "creating", "destroyed")


def _other_type_and_idc(stock: Stock) -> tuple[DeviceType, Idc]:
    device_type = DeviceType.objects.get(device_type_id=stock.device_type_id)
    device_type.pk = None
    device_type.device_type_id, device_type.name = "dt-count-other", "other"
    device_type.device_type = "cps.other"
    device_type.save()
    idc = Idc.objects.create(idc_id="idc-count-other", name="二区", name_en="zone-2")
    return device_type, idc


def assert_counts_match(admin_user, stock, other_type, other_idc) -> None:
    choices = {
        "idcId": ["", stock.idc_id, other_idc.idc_id, "idc-none"],
        "deviceTypeId": ["", stock.device_type_id, other_type.device_type_id, "dt-none"],
        "status": ["", *STATUSES],
    }
    for values in itertools.product(*choices.values()):
        filters = dict(zip(choices, values, strict=True))
        counted = selectors.instance_list_count(actor=admin_user, filters=filters)
        listed = selectors.instance_list(actor=admin_user, filters=filters).count()
        assert counted == listed, filters


def test_counts_match_the_list_after_every_kind_of_write(admin_api, admin, make_user, settings):
    settings.BMP_OPENAPI_PROFILE = "operation"
    admin_user = User.objects.select_related("role").get(user_name="admin")
    stock = Stock(admin_api, 4)
    tina = tenant(make_user, "tina")
    for number in range(3):
        _create(tina, stock, default_project(tina), f"count-{number}")
    other_type, other_idc = _other_type_and_idc(stock)
    assert_counts_match(admin_user, stock, other_type, other_idc)

    # A bulk insert (new instances start in the initial status), then many rows' statuses
    # in one statement, as a transition of a batch writes them.
    model = Instance.objects.first()
    Instance.objects.bulk_create(
        Instance(
            instance_id=f"bmp-count-{n}",
            instance_name=f"bulk-{n}",
            project_id=model.project_id,
            user_id=model.user_id,
            idc=(model.idc, other_idc)[n % 2],
            device_id=model.device_id,
            device_type=(model.device_type, other_type)[n // 2 % 2],
            image_id=model.image_id,
        )
        for n in range(20)
    )
    token = STATUS_WRITER.set(True)
    try:
        for number, status in enumerate(STATUSES):
            Instance.objects.filter(instance_id__endswith=str(number)).update(status=status)
    finally:
        STATUS_WRITER.reset(token)
    assert_counts_match(admin_user, stock, other_type, other_idc)

    # A soft delete, a hard delete, raw SQL moving instances between IDCs and types.
    Instance.objects.get(instance_id="bmp-count-3").mark_deleted(actor="test")
    doomed = Instance.objects.get(instance_id="bmp-count-4")
    InstancePartition.objects.filter(instance=doomed).delete()
    doomed.delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE instance SET idc_id = %s, device_type_id = %s WHERE id %% 3 = 0",
            [other_idc.pk, other_type.pk],
        )
    assert_counts_match(admin_user, stock, other_type, other_idc)

    for query in ("", f"idcId={stock.idc_id}", "status=running", "isAll=1"):
        answer = ok(admin_api.get(f"/v1/project/instances?{query}"))
        filters = dict(part.split("=") for part in query.split("&") if part)
        listed = selectors.instance_list(actor=admin_user, filters=filters).count()
        assert answer["totalCount"] == listed


def test_a_tenant_and_a_narrow_filter_count_their_rows(admin, settings):
    admin_user = User.objects.select_related("role").get(user_name="admin")
    settings.BMP_OPENAPI_PROFILE = "operation"
    narrow = {"instanceName": "web"}
    assert selectors.instance_list_count(actor=admin_user, filters=narrow) is None
    assert selectors.instance_list_count(actor=admin_user, filters={"projectId": "p"}) is None
    settings.BMP_OPENAPI_PROFILE = "console"  # there the admin is a tenant
    assert selectors.instance_list_count(actor=admin_user, filters={}) is None


def test_the_count_knows_every_filter_of_the_list():
    """A filter the count did not know of would be left out of the count: every filter the
    list accepts is in selectors.FILTERS."""
    accepted = set(InstanceListCreateApi.FilterSerializer().fields)
    assert accepted - {"pageNumber", "pageSize", "isAll"} == set(selectors.FILTERS)

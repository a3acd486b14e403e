"""The name filters through suffix tables (instance names, devices' owner names and SNs; kept
by triggers) find the rows ``icontains`` finds, for rare and common texts, after every kind of
write: creates and renames through the API, a bulk insert, a QuerySet update, raw SQL, a
soft and a hard delete."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat

from bmp_openapi.core import suffixes
from bmp_openapi.devices.models import Device, DeviceSnSuffix, DeviceUserNameSuffix
from bmp_openapi.instances.models import Instance, InstanceNameSuffix, InstancePartition

from ..catalog.data import ok
from .conftest import Stock
from .test_instance_access_and_batches import default_project, tenant
from .test_instance_list_queries import _create

TEXTS = ("web", "WEB-1", "eb-", "1", "名", "服务器", "_", "%", "b-1x", "zz", "web-10", "a\\b")


def assert_same_rows(model, suffix_model, column: str, row_key: str = "row_key") -> None:
    for text in TEXTS:
        found = model.all_objects.filter(
            suffixes.contains(suffix_model, text, column=column, row_key=row_key)
        )
        expected = model.all_objects.filter(**{f"{column}__icontains": text})
        assert sorted(found.values_list("pk", flat=True)) == sorted(
            expected.values_list("pk", flat=True)
        ), text


def assert_all_same(monkeypatch) -> None:
    """Both ways: through the suffixes, and a text counted as common (the LIKE scan)."""
    for common in (suffixes.COMMON_TEXT, 2):
        monkeypatch.setattr(suffixes, "COMMON_TEXT", common)
        assert_same_rows(Instance, InstanceNameSuffix, "instance_name")
        assert_same_rows(Device, DeviceUserNameSuffix, "user_name")
        assert_same_rows(Device, DeviceSnSuffix, "sn", row_key="device_id")


@pytest.fixture
def named(admin_api, make_user):
    stock = Stock(admin_api, 4)
    tina = tenant(make_user, "tina")
    ids = [_create(tina, stock, default_project(tina), name) for name in ("web-1", "Web-10")]
    return tina, ids


def test_name_filters_match_icontains_after_every_kind_of_write(named, monkeypatch):
    tina, (first, second) = named
    assert_all_same(monkeypatch)

    # Renamed through the API (modifyInstance), and devices handed to a new owner name.
    ok(tina.put(f"/v1/project/instances/{first}", {"instanceName": "名字-web_1"}))
    model = Instance.objects.get(instance_id=second)
    Instance.objects.bulk_create(
        Instance(
            instance_id=f"bmp-suffix-{n}",
            instance_name=name,
            project_id=model.project_id,
            user_id=model.user_id,
            idc_id=model.idc_id,
            device_id=model.device_id,
            device_type_id=model.device_type_id,
            image_id=model.image_id,
        )
        for n, name in enumerate(("服务器-a", "50%_off", "a\\b-web", "WEB-1b-1x", "x" * 128))
    )
    Device.objects.filter(user_name="").update(user_name="Web-Owner_1")
    assert_all_same(monkeypatch)

    # Many names in one statement, raw SQL, a soft and a hard delete.
    Instance.objects.filter(instance_id__startswith="bmp-suffix-").update(
        instance_name=Concat(Value("renamed-web-"), "instance_id")
    )
    renumbered = Device.objects.order_by("pk").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE device SET user_name = %s WHERE id %% 2 = 0", ["owner-ZZ"])
        cursor.execute("UPDATE device SET sn = %s WHERE id = %s", ["SN-web_1%", renumbered])
        cursor.execute(
            "UPDATE instance SET instance_name = %s WHERE instance_id = %s", ["b-1x", second]
        )
    Instance.objects.get(instance_id="bmp-suffix-1").mark_deleted(actor="test")
    doomed = Instance.objects.get(instance_id="bmp-suffix-2")
    InstancePartition.objects.filter(instance=doomed).delete()
    doomed.delete()
    assert not InstanceNameSuffix.objects.filter(row_key=doomed.pk).exists()
    assert_all_same(monkeypatch)


def test_the_lists_answer_name_filters_as_before(named, admin_api):
    tina, _ = named
    for path, plural in (
        ("/v1/project/instances?instanceName=WEB-1", "instances"),
        ("/v1/devices?instanceName=eb-1", "devices"),
        ("/v1/devices?userName=TIN", "devices"),
    ):
        answer = ok(admin_api.get(path))
        assert answer["totalCount"] == 2 and len(answer[plural]) == 2, path
    assert ok(tina.get("/v1/project/instances?instanceName=b-10"))["totalCount"] == 1

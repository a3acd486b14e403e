"""describeDevices at scale: the queries a page costs do not grow with its rows (no N+1), and
a page read by key (its ids first, then its rows) is the page an offset would give."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..catalog.data import ok
from .conftest import import_devices, spec


def _list(api, query: str = "") -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as captured:
        result = ok(api.get(f"/v1/devices?{query}"))
    return result, len(captured.captured_queries)


def test_a_page_costs_the_same_queries_for_2_and_12_devices(admin_api, idc_id, make_device_type):
    device_type = make_device_type(idc_id)
    ok(import_devices(admin_api, idc_id, [spec(n) for n in range(2)]))
    for device_id in [d["deviceId"] for d in _list(admin_api)[0]["devices"]]:
        body = {"deviceId": device_id, "deviceTypeId": device_type.device_type_id}
        ok(admin_api.put("/v1/devices/deviceType/associate", body, format="json"))
    _, small = _list(admin_api)
    ok(import_devices(admin_api, idc_id, [spec(n) for n in range(2, 12)]))
    for device_id in [d["deviceId"] for d in _list(admin_api)[0]["devices"]][:10]:
        body = {"deviceId": device_id, "deviceTypeId": device_type.device_type_id}
        ok(admin_api.put("/v1/devices/deviceType/associate", body, format="json"))
    result, large = _list(admin_api)
    assert result["totalCount"] == 12
    assert large == small


def test_pages_follow_the_list_order_newest_first(admin_api, idc_id):
    ok(import_devices(admin_api, idc_id, [spec(n) for n in range(5)]))
    whole = [d["sn"] for d in _list(admin_api, "isAll=1")[0]["devices"]]
    pages = [
        [d["sn"] for d in _list(admin_api, f"pageSize=2&pageNumber={n}")[0]["devices"]]
        for n in (1, 2, 3, 4)
    ]
    assert pages == [whole[0:2], whole[2:4], whole[4:5], []]
    filtered = _list(admin_api, "sn=0000&pageSize=2&pageNumber=2")[0]
    assert filtered["totalCount"] == 5
    assert [d["sn"] for d in filtered["devices"]] == whole[2:4]

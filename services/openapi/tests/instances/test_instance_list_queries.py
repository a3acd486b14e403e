"""describeProjectInstances at scale: the queries a page costs do not grow with its rows (no
N+1), for staff (the fleet) and for a tenant (their own instances and shared ones), and a page
read by key is the page an offset would give."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..catalog.data import ok
from .conftest import Stock
from .test_instance_access_and_batches import default_project, tenant
from .test_instance_lifecycle import finish_instance_job


def _list(api, query: str = "") -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as captured:
        result = ok(api.get(f"/v1/project/instances?{query}"))
    return result, len(captured.captured_queries)


def _create(caller, stock, project, name) -> str:
    body = stock.create_body(project, instanceName=name)
    instance_id = ok(caller.post("/v1/project/instances", body))["instanceIds"][0]
    finish_instance_job(instance_id, power="on")
    return instance_id


def test_a_page_costs_the_same_queries_for_1_and_4_instances(admin_api, make_user):
    stock = Stock(admin_api, 5)
    tina, tom = tenant(make_user, "tina"), tenant(make_user, "tom")
    share = {"ownerID": tom.user.user_id, "sharerID": tina.user.user_id, "permission": "read"}
    ok(tom.put(f"/v1/user/projects/{default_project(tom)}/share", share))
    _create(tina, stock, default_project(tina), "web-0")
    _, admin_small = _list(admin_api)
    _, tenant_small = _list(tina)
    for number in (1, 2):
        _create(tina, stock, default_project(tina), f"web-{number}")
    _create(tom, stock, default_project(tom), "shared")
    admin_result, admin_large = _list(admin_api)
    tenant_result, tenant_large = _list(tina)
    assert (admin_result["totalCount"], tenant_result["totalCount"]) == (4, 4)
    assert (admin_large, tenant_large) == (admin_small, tenant_small)


def test_pages_follow_the_list_order_newest_first(admin_api, make_user):
    stock = Stock(admin_api, 3)
    tina = tenant(make_user, "tina")
    for number in range(3):
        _create(tina, stock, default_project(tina), f"web-{number}")
    pages = [
        [i["instanceName"] for i in _list(tina, f"pageSize=2&pageNumber={n}")[0]["instances"]]
        for n in (1, 2, 3)
    ]
    assert pages == [["web-2", "web-1"], ["web-0"], []]
    named = _list(admin_api, "instanceName=web&pageSize=1&pageNumber=2")[0]
    assert named["totalCount"] == 3
    assert [i["instanceName"] for i in named["instances"]] == ["web-1"]


def test_a_device_answer_summarises_the_instance_on_it_with_its_image(admin_api, make_user):
    stock = Stock(admin_api, 2)
    tina = tenant(make_user, "tina")
    instance_id = _create(tina, stock, default_project(tina), "web-0")
    image_name = ok(admin_api.get(f"/v1/images/{stock.image_id}"))["image"]["imageName"]

    devices = ok(admin_api.get("/v1/devices?isAll=1"))["devices"]

    (used,) = [d for d in devices if d["instanceId"] == instance_id]
    assert (used["instanceName"], used["instanceStatus"]) == ("web-0", "running")
    assert used["imageName"] == image_name
    (free,) = [d for d in devices if d["instanceId"] != instance_id]
    assert (free["instanceName"], free["imageName"]) == ("", "")

"""The BFFs' Excel export: paging through openapi's list, the workbook, bounded memory."""

from __future__ import annotations

import io
import tracemalloc

import openpyxl
import pytest
from django.test import RequestFactory

from bmp_common.bff.excel import Column, Export, openapi_rows, text, xlsx_response
from bmp_common.errors import BmpError

EXPORT = Export(
    "thing_list",
    "things",
    (
        Column("名称", "Name", "name"),
        Column("数量", "Count", "count"),
        Column("状态", "State", text({1: ("好", "good"), 2: ("坏", "bad")}, "state")),
        Column("组合", "Both", lambda item, language: f"{item['name']}/{language}"),
    ),
)


class FakeList:
    """openapi's paged list of ``total`` things, recording the queries it was asked."""

    def __init__(self, total: int):
        self.items = [{"name": f"t{i}", "count": i, "state": 1 + i % 2} for i in range(total)]
        self.queries = []

    def __call__(self, query: dict) -> dict:
        self.queries.append(query)
        start = (query["pageNumber"] - 1) * query["pageSize"]
        page = self.items[start : start + query["pageSize"]]
        return {"totalCount": len(self.items), "things": page}


@pytest.fixture(autouse=True)
def response_close_may_touch_connections(django_db_blocker):
    """Closing a Django response sends request_finished, whose receiver checks the database
    connections: allowed here (no query is made), whatever ran before in the session."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def paging(settings):
    settings.BMP_BFF_EXPORT_PAGE_SIZE = 3
    settings.BMP_BFF_EXPORT_MAX_ROWS = 10
    return settings


def test_every_page_is_read_one_after_another_with_the_filters(paging):
    source = FakeList(7)
    query = {"name": "t", "pageNumber": "9", "pageSize": "1", "isAll": "1", "exportType": "1"}
    rows = list(openapi_rows(source, EXPORT, query))
    assert [row["name"] for row in rows] == [f"t{i}" for i in range(7)]
    assert source.queries == [
        {"name": "t", "pageNumber": 1, "pageSize": 3},
        {"name": "t", "pageNumber": 2, "pageSize": 3},
        {"name": "t", "pageNumber": 3, "pageSize": 3},
    ]


def test_a_list_longer_than_the_limit_is_refused_before_any_row(paging):
    with pytest.raises(BmpError) as refused:
        next(openapi_rows(FakeList(11), EXPORT, {}))
    assert refused.value.spec.code == 400
    assert "11 rows, at most 10" in refused.value.message("en_US")


def _workbook(response) -> list[tuple]:
    data = b"".join(response.streaming_content)
    response.close()
    return list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("language", "header", "state"),
    [
        ("en_US", ("Name", "Count", "State", "Both"), "bad"),
        ("zh_CN", ("名称", "数量", "状态", "组合"), "坏"),
    ],
)
def test_the_workbook_holds_the_rows_with_headers_in_the_language(language, header, state):
    request = RequestFactory().get("/things", HTTP_BMPLANGUAGE=language)
    items = [{"name": "a\x07b", "count": 3, "state": 2}, {"name": "c", "count": None, "state": 9}]
    response = xlsx_response(request, EXPORT, iter(items))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "thing_list_" in response["Content-Disposition"]
    rows = _workbook(response)
    assert rows[0] == header
    # Control characters Excel cannot hold are dropped; numbers stay numbers.
    assert rows[1] == ("ab", 3, state, f"a\x07b/{language}".replace("\x07", ""))
    assert rows[2] == ("c", None, "9", f"c/{language}")


def test_a_large_export_is_never_held_in_memory(settings):
    settings.BMP_BFF_EXPORT_PAGE_SIZE = 1000
    settings.BMP_BFF_EXPORT_MAX_ROWS = 1_000_000
    total = 10_000
    request = RequestFactory().get("/things")

    def page(query: dict) -> dict:
        start = (query["pageNumber"] - 1) * query["pageSize"]
        stop = min(start + query["pageSize"], total)
        things = [
            {"name": f"thing-{i:08d}" * 4, "count": i, "state": 1} for i in range(start, stop)
        ]
        return {"totalCount": total, "things": things}

    tracemalloc.start()
    try:
        response = xlsx_response(request, EXPORT, openapi_rows(page, EXPORT, {}))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rows = _workbook(response)
    assert len(rows) == total + 1
    assert rows[-1][1] == total - 1
    # 10,000 rows of ~40 characters: ~5 MB as Python objects; one page is 1,000 of them.
    assert peak < 2.5 * 1024 * 1024, peak


def test_a_failing_page_leaves_no_file_behind(settings, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    settings.BMP_BFF_EXPORT_PAGE_SIZE = 2
    settings.BMP_BFF_EXPORT_MAX_ROWS = 100

    def page(query: dict) -> dict:
        if query["pageNumber"] == 2:
            raise RuntimeError("openapi went away")
        return {"totalCount": 4, "things": [{"name": "a", "count": 1, "state": 1}] * 2}

    with pytest.raises(RuntimeError):
        xlsx_response(RequestFactory().get("/"), EXPORT, openapi_rows(page, EXPORT, {}))
    assert list(tmp_path.iterdir()) == []

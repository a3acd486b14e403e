"""Upstream's paging: ``pageNumber`` (from 1), ``pageSize`` (default 20, at most 1000), ``isAll=1``.

A list answer is ``{"pageNumber", "pageSize", "totalCount", "<plural>": [...]}``.
"""

from __future__ import annotations

from rest_framework import serializers

from bmp_common.api.serializers import StrictIntegerField

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000


class PageQuerySerializer(serializers.Serializer):
    """Query parameters every list accepts; list APIs subclass it to add their filters."""

    pageNumber = StrictIntegerField(min_value=1, max_value=10_000_000, default=1)
    pageSize = StrictIntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE)
    isAll = serializers.ChoiceField(choices=["0", "1", ""], default="0", required=False)


def paginate(
    queryset, query: dict, *, by_key: bool = False, total: int | None = None
) -> tuple[list, dict]:
    """One page of ``queryset`` (all of it with ``isAll=1``) and the paging fields of the answer.

    ``by_key``: the page's primary keys are read first, from the filtered table alone, then
    its rows with their joins (``select_related``). Joined, a planner may start from a small
    joined table (one IDC, one image) and sort every row to find the page; and a deep page's
    offset then skips index entries, not whole joined rows. The rows and their order are the
    same (the order ends with the primary key, so it is total).

    ``total``: the queryset's count, when the caller has it without counting the rows."""
    if total is None:
        total = queryset.count()
    if query.get("isAll") == "1":
        return list(queryset), {"pageNumber": 1, "pageSize": total, "totalCount": total}
    number, size = query["pageNumber"], query["pageSize"]
    start = (number - 1) * size
    paging = {"pageNumber": number, "pageSize": size, "totalCount": total}
    if not by_key:
        return list(queryset[start : start + size]), paging
    keys = list(queryset.values_list("pk", flat=True)[start : start + size])
    if not keys:
        return [], paging
    rows = {row.pk: row for row in queryset.filter(pk__in=keys).order_by()}
    # A row deleted between the two reads is left out, as if the page had been read after.
    return [rows[key] for key in keys if key in rows], paging


def list_result(plural: str, items: list, page: dict) -> dict:
    return {**page, plural: items}

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


def paginate(queryset, query: dict) -> tuple[list, dict]:
    """One page of ``queryset`` (all of it with ``isAll=1``) and the paging fields of the answer."""
    total = queryset.count()
    if query.get("isAll") == "1":
        return list(queryset), {"pageNumber": 1, "pageSize": total, "totalCount": total}
    number, size = query["pageNumber"], query["pageSize"]
    start = (number - 1) * size
    items = list(queryset[start : start + size])
    return items, {"pageNumber": number, "pageSize": size, "totalCount": total}


def list_result(plural: str, items: list, page: dict) -> dict:
    return {**page, plural: items}

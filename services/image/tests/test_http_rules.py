"""Byte ranges and URL rules as functions, against the slice a client expects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bmp_image.http_rules import RangeNotSatisfiable, byte_range, file_for_url

sizes = st.integers(min_value=0, max_value=10_000)


@given(sizes, st.integers(0, 20_000), st.integers(0, 20_000))
def test_first_last_ranges_are_the_slice_or_416(size, first, last):
    header = f"bytes={first}-{last}"
    if last < first:
        assert byte_range(header, size) is None
    elif first >= size:
        with pytest.raises(RangeNotSatisfiable):
            byte_range(header, size)
    else:
        start, end = byte_range(header, size)
        assert range(size)[start : end + 1] == range(size)[first : last + 1]


@given(sizes, st.integers(0, 20_000))
def test_suffix_ranges_are_the_last_bytes_or_416(size, suffix):
    if suffix == 0 or size == 0:
        with pytest.raises(RangeNotSatisfiable):
            byte_range(f"bytes=-{suffix}", size)
    else:
        start, end = byte_range(f"bytes=-{suffix}", size)
        assert range(size)[start : end + 1] == range(size)[-suffix:]


@given(st.text(max_size=30), sizes)
def test_any_header_is_a_range_none_or_416(header, size):
    try:
        span = byte_range(header, size)
    except RangeNotSatisfiable:
        return
    assert span is None or 0 <= span[0] <= span[1] < size


@given(st.text(max_size=40))
def test_no_url_leads_out_of_the_root(tmp_path_factory, target):
    base = tmp_path_factory.getbasetemp()
    root = (base / "root").resolve()
    root.mkdir(exist_ok=True)
    (base / "secret").write_text("x")
    found = file_for_url(root, "/" + target)
    assert found is None or found.is_relative_to(root)

"""Request parsing and path rules as functions: any datagram is parsed or dropped, never raises."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bmp_tftp.paths import RequestRefused, resolve_request
from bmp_tftp.server import parse_request, sanitize_options


@given(st.binary(max_size=600))
def test_any_datagram_is_parsed_or_dropped(datagram):
    parsed = parse_request(datagram)
    assert parsed is None or isinstance(parsed[1], str)


@given(st.dictionaries(st.sampled_from(["blksize", "timeout", "tsize"]), st.text(max_size=8)))
def test_sanitized_numbers_are_within_the_rfc_bounds(options):
    clean = sanitize_options(options)
    if "blksize" in clean:
        assert 8 <= int(clean["blksize"]) <= 65464
    if "timeout" in clean:
        assert 1 <= int(clean["timeout"]) <= 255


def test_parse_request_reads_name_mode_and_options():
    datagram = b"\x00\x01pxe/undionly.kpxe\x00OCTET\x00BLKSIZE\x001432\x00tsize\x000\x00"
    assert parse_request(datagram) == (
        1,
        "pxe/undionly.kpxe",
        {"mode": "octet", "blksize": "1432", "tsize": "0"},
    )


@pytest.mark.parametrize(
    ("name", "code"),
    [("..", 2), ("a/../../x", 2), ("/abs", 2), ("out", 2), ("", 1), ("missing", 1), ("d", 1)],
)
def test_refusals(tmp_path, name, code):
    root = tmp_path / "root"
    (root / "d").mkdir(parents=True)
    (root / "out").symlink_to(tmp_path)
    with pytest.raises(RequestRefused) as refused:
        resolve_request(root.resolve(), name)
    assert refused.value.code == code

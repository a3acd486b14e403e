"""Normal forms of MACs, addresses and masks: every spelling of one value gives one answer."""

import ipaddress
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bmp_dhcp_agent.addresses import (
    normalize_address_list,
    normalize_hostname,
    normalize_ipv4,
    normalize_mac,
    normalize_mask,
)
from bmp_dhcp_agent.errors import InvalidValue

CANONICAL_MAC = r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$"

# Six bytes of a NIC's address: the group (multicast) bit clear and not all zero.
nic_macs = st.binary(min_size=6, max_size=6).filter(lambda b: not b[0] & 1 and any(b))


def spellings(mac: bytes) -> list[str]:
    hexes = [f"{byte:02x}" for byte in mac]
    bare = "".join(hexes)
    return [
        ":".join(hexes),
        ":".join(hexes).upper(),
        "-".join(hexes).upper(),
        ":".join(f"{byte:x}" for byte in mac),  # 2:54:0:ab:cd:ef, as some tools print it
        f"{bare[0:4]}.{bare[4:8]}.{bare[8:12]}",
        bare.upper(),
        f"  {bare}\n",
    ]


@given(nic_macs)
def test_every_spelling_of_a_mac_normalises_to_lower_colon_form(mac):
    expected = ":".join(f"{byte:02x}" for byte in mac)
    assert {normalize_mac(spelling) for spelling in spellings(mac)} == {expected}


@given(st.text(max_size=24))
def test_any_text_is_a_canonical_mac_or_a_clear_refusal(text):
    try:
        mac = normalize_mac(text)
    except InvalidValue as exc:
        assert "mac" in str(exc)
    else:
        assert normalize_mac(mac) == mac
        assert re.match(CANONICAL_MAC, mac)


@given(st.binary(min_size=6, max_size=6).filter(lambda b: b[0] & 1))
def test_multicast_macs_are_refused(mac):
    with pytest.raises(InvalidValue, match="multicast"):
        normalize_mac(mac.hex())


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_ipv4_normal_form_is_the_dotted_quad(number):
    address = str(ipaddress.IPv4Address(number))
    assert normalize_ipv4(f" {address} ") == address


@given(st.text(max_size=20))
def test_any_text_is_an_ipv4_or_a_clear_refusal(text):
    try:
        address = normalize_ipv4(text)
    except InvalidValue as exc:
        assert "ip" in str(exc)
    else:
        assert normalize_ipv4(address) == address


@given(st.integers(min_value=0, max_value=32))
def test_a_mask_is_the_same_from_a_prefix_or_a_netmask(prefix):
    netmask = str(ipaddress.IPv4Network(f"0.0.0.0/{prefix}").netmask)
    assert normalize_mask(str(prefix)) == netmask
    assert normalize_mask(prefix) == netmask
    assert normalize_mask(netmask) == netmask


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_only_contiguous_netmasks_are_masks(number):
    bits = f"{number:032b}"
    dotted = str(ipaddress.IPv4Address(number))
    if "01" in bits:  # a one after a zero: not a netmask (0.0.0.255 is a host mask)
        with pytest.raises(InvalidValue, match="not a netmask"):
            normalize_mask(dotted)
    else:
        assert normalize_mask(dotted) == dotted


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: normalize_mac("52:54:00:ab:cd"), "'52:54:00:ab:cd' is not a MAC address"),
        (lambda: normalize_mac("52:54-00:ab:cd:ef"), "is not a MAC address"),
        (lambda: normalize_mac("ff:ff:ff:ff:ff:ff"), "multicast/broadcast"),
        (lambda: normalize_mac("00:00:00:00:00:00"), "all-zero"),
        (lambda: normalize_mac(None), "mac must be a non-empty string"),
        (lambda: normalize_ipv4("10.0.0.256"), "ip '10.0.0.256' is not an IPv4 address"),
        (lambda: normalize_ipv4("010.0.0.1"), "is not an IPv4 address"),
        (lambda: normalize_ipv4("fe80::1"), "is not an IPv4 address"),
        (lambda: normalize_ipv4(167772161), "must be a non-empty string"),
        (lambda: normalize_mask("255.0.255.0"), "'255.0.255.0' is not a netmask"),
        (lambda: normalize_mask("33"), "is not a netmask"),
        (lambda: normalize_address_list({"a": 1}, "routes"), "routes must be an address"),
        (lambda: normalize_address_list(["10.0.0.1", "x"], "routes"), "routes 'x'"),
        (lambda: normalize_hostname("bad_name"), "'bad_name' is not a host name"),
        (lambda: normalize_hostname("-lead.example"), "is not a host name"),
    ],
)
def test_bad_values_are_refused_with_a_sentence_naming_them(call, message):
    with pytest.raises(InvalidValue) as refused:
        call()
    assert message in str(refused.value)


def test_address_lists_accept_one_address_a_comma_list_or_a_list():
    assert normalize_address_list("10.0.0.1", "routes") == ("10.0.0.1",)
    assert normalize_address_list("10.0.0.1, 10.0.0.2,", "routes") == ("10.0.0.1", "10.0.0.2")
    assert normalize_address_list(["10.0.0.2", "10.0.0.2"], "routes") == ("10.0.0.2",)
    assert normalize_address_list(None, "routes") == ()


def test_host_names_are_lower_cased_and_optional():
    assert normalize_hostname("Node-01.IDC.example.") == "node-01.idc.example"
    assert normalize_hostname("") is None
    assert normalize_hostname(None) is None

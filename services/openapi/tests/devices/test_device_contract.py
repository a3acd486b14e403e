"""The device part of the contract says what the serializers enforce, in the same words."""

from bmp_common.contract import load_contract
from bmp_openapi.catalog import choices as catalog_choices
from bmp_openapi.devices import states
from bmp_openapi.devices.apis.devices import list_pattern
from bmp_openapi.devices.fields import VISIBLE_NAME_PATTERN
from bmp_openapi.devices.network import MAC_PATTERN, NETMASKS, SN_PATTERN

CONTRACT = load_contract()
SPEC = CONTRACT["definitions"]["CreateDeviceSpec"]["properties"]
QUERY = {p["name"]: p for p in CONTRACT["paths"]["/devices"]["get"]["parameters"] if "name" in p}


def test_formats_are_the_serializers():
    assert SPEC["mac1"]["pattern"] == MAC_PATTERN
    assert SPEC["mac2"]["pattern"] == "^(" + MAC_PATTERN[1:-1] + ")?$"
    assert SPEC["sn"]["pattern"] == SN_PATTERN
    assert SPEC["mask"]["enum"] == list(NETMASKS)
    assert SPEC["cabinet"]["pattern"] == VISIBLE_NAME_PATTERN
    assert SPEC["architecture"]["enum"] == list(catalog_choices.ARCHITECTURES)
    assert (SPEC["privateIpv4"]["format"], SPEC["privateIpv6"]["format"]) == ("ipv4", "ipv6")


def test_list_filters_are_the_serializers():
    assert QUERY["manageStatus"]["pattern"] == list_pattern(states.STATUSES)
    assert QUERY["deviceSeries"]["pattern"] == list_pattern(catalog_choices.DEVICE_SERIES)
    device = CONTRACT["definitions"]["Device"]["properties"]
    assert device["manageStatus"]["enum"] == list(states.STATUSES)

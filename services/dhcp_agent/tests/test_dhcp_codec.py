"""The packet codec on real client packets and on whatever hypothesis can think of."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmp_dhcp_agent.dhcp import codec
from bmp_dhcp_agent.dhcp.codec import CodecError, Packet

FIXTURES = Path(__file__).parent / "fixtures"  # real client packets: see its README
MAC = "52:54:00:aa:bb:01"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_ipxe_bios_discover_from_a_real_rom():
    packet = codec.parse(fixture("ipxe-bios-discover.bin"))
    assert packet.op == codec.BOOTREQUEST
    assert packet.message_type == codec.DISCOVER
    assert packet.mac == MAC
    assert packet.option_text(codec.OPT_VENDOR_CLASS) == "PXEClient:Arch:00000:UNDI:002001"
    assert packet.user_classes() == [b"iPXE"]
    assert packet.client_arch() == 0
    assert codec.OPT_IPXE_ENCAP in packet.options
    assert len(packet.options[codec.OPT_CLIENT_UUID]) == 17
    assert packet.options[codec.OPT_CLIENT_ID] == b"\x01" + bytes.fromhex("525400aabb01")


def test_ipxe_request_names_the_offered_address_and_server():
    packet = codec.parse(fixture("ipxe-bios-request.bin"))
    assert packet.message_type == codec.REQUEST
    assert packet.option_ip(codec.OPT_REQUESTED_IP) is not None
    assert packet.option_ip(codec.OPT_SERVER_ID) is not None


def test_udhcpc_packets_are_plain_dhcp():
    discover = codec.parse(fixture("udhcpc-discover.bin"))
    request = codec.parse(fixture("udhcpc-request.bin"))
    assert (discover.message_type, request.message_type) == (codec.DISCOVER, codec.REQUEST)
    assert discover.option_text(codec.OPT_VENDOR_CLASS) == "udhcp 1.35.0"
    assert discover.client_arch() is None
    assert discover.user_classes() == []
    assert discover.mac == request.mac == MAC


@pytest.mark.parametrize(
    "name",
    [
        "ipxe-bios-discover.bin",
        "ipxe-bios-request.bin",
        "udhcpc-discover.bin",
        "udhcpc-request.bin",
    ],
)
def test_real_packets_survive_a_round_trip(name):
    packet = codec.parse(fixture(name))
    assert codec.parse(codec.build(packet)) == packet


def test_a_built_reply_is_at_least_bootp_sized_and_ends_options():
    data = codec.build(Packet(op=codec.BOOTREPLY, xid=7, options={53: b"\x02"}))
    assert len(data) == 300
    assert data[236:240] == codec.MAGIC_COOKIE
    assert data[240:244] == bytes((53, 1, 2, 255))


def test_long_options_are_split_and_joined_again():
    value = bytes(range(256)) * 2  # 512 bytes: three options on the wire (RFC 3396)
    data = codec.build(Packet(options={43: value}))
    assert data[240:242] == bytes((43, 255))
    assert codec.parse(data).options[43] == value


def test_overloaded_file_field_carries_options():
    packet = Packet(options={53: b"\x01"})
    data = bytearray(codec.build(packet))
    data[108:112] = bytes((12, 2)) + b"hi"  # option 12 in the file field
    data[112] = 255
    end = data.index(255, 240)
    data[end : end + 4] = bytes((52, 1, 1, 255))
    parsed = codec.parse(bytes(data))
    assert parsed.options[12] == b"hi"
    assert parsed.file == b""


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d[:239],  # truncated header
        lambda d: d[:236] + b"\x00\x00\x00\x00" + d[240:],  # no cookie
        lambda d: b"\x07" + d[1:],  # op 7
        lambda d: d[:2] + b"\x00" + d[3:],  # hlen 0
        lambda d: d[:240] + bytes((53, 1, 99, 255)),  # message type 99
        lambda d: d[:240] + bytes((12, 40)) + b"short",  # option longer than the packet
        lambda d: d[:240] + bytes((12,)),  # option without a length
        lambda d: d[:240] + bytes((52, 1, 9, 255)),  # bad overload value
    ],
)
def test_malformed_packets_raise_the_codec_error(mutate):
    data = codec.build(Packet(options={53: b"\x01"}))
    with pytest.raises(CodecError):
        codec.parse(mutate(data))


def test_building_a_bad_address_raises_the_codec_error():
    with pytest.raises(CodecError):
        codec.build(Packet(yiaddr="10.0.0.256"))
    with pytest.raises(CodecError):
        codec.build(Packet(chaddr=b""))


# -- properties --------------------------------------------------------------------------------

addresses = st.builds(
    lambda n: ".".join(str(b) for b in n.to_bytes(4, "big")), st.integers(0, 2**32 - 1)
)
no_nul = st.binary(max_size=63).map(lambda b: b.replace(b"\x00", b"x"))
option_codes = st.integers(1, 254).filter(
    lambda code: code not in (codec.OPT_OVERLOAD, codec.OPT_MESSAGE_TYPE)
)
packets = st.builds(
    Packet,
    op=st.sampled_from([codec.BOOTREQUEST, codec.BOOTREPLY]),
    xid=st.integers(0, 2**32 - 1),
    chaddr=st.binary(min_size=1, max_size=16),
    htype=st.integers(0, 255),
    hops=st.integers(0, 255),
    secs=st.integers(0, 65535),
    flags=st.integers(0, 65535),
    ciaddr=addresses,
    yiaddr=addresses,
    siaddr=addresses,
    giaddr=addresses,
    sname=no_nul,
    file=st.binary(max_size=127).map(lambda b: b.replace(b"\x00", b"x")),
    options=st.dictionaries(option_codes, st.binary(min_size=1, max_size=600), max_size=12),
)


@given(packets, st.sampled_from([None, *codec.MESSAGE_NAMES]))
@settings(max_examples=300)
def test_build_then_parse_gives_the_packet_back(packet, message_type):
    if message_type is not None:
        packet.options = {codec.OPT_MESSAGE_TYPE: bytes((message_type,)), **packet.options}
    assert codec.parse(codec.build(packet)) == packet


@given(st.binary(max_size=700))
@settings(max_examples=500)
def test_arbitrary_bytes_parse_or_raise_only_the_codec_error(data):
    try:
        codec.parse(data)
    except CodecError:
        pass


@given(st.data())
@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_real_packets_parse_or_raise_only_the_codec_error(data):
    original = bytearray(fixture("ipxe-bios-discover.bin"))
    # Mutations inside the option area reach the TLV walker, where bugs hide.
    for _ in range(data.draw(st.integers(1, 8))):
        where = data.draw(st.integers(0, len(original) - 1))
        original[where] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(original)))
    try:
        packet = codec.parse(bytes(original[:cut]))
    except CodecError:
        return
    packet.client_arch(), packet.user_classes(), packet.mac  # helpers must not raise either
    packet.option_ip(codec.OPT_REQUESTED_IP), packet.option_text(codec.OPT_VENDOR_CLASS)

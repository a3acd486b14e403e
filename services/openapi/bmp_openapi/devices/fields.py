"""Serializer fields that take exactly what the contract's patterns and formats allow.

schemathesis sends whatever the contract allows and expects it accepted, and the opposite: so a
field here never trims what its pattern sees, matches in full (``re.fullmatch``: a ``$`` alone
lets a trailing newline through, which JSON Schema does not), and spells whitespace out instead
of ``\\s``, which means different characters to Python and to the contract's JavaScript dialect.
"""

from __future__ import annotations

import ipaddress
import re

from rest_framework import serializers

from bmp_common.api.serializers import StrictCharField
from bmp_openapi.devices.network import (
    IPV4_LENGTH,
    IPV6_LENGTH,
    MAC_LENGTH,
    MAC_PATTERN,
    normalise_mac,
)

# Whitespace to JavaScript (the contract) or to Python (``str.strip``): a name needs a character
# outside both, and no NUL. The contract spells the same class (VISIBLE_NAME_PATTERN).
WHITESPACE = (
    r"\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
VISIBLE_NAME_PATTERN = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"
_VISIBLE = re.compile(rf"[^\x00{WHITESPACE}]")


class VisibleNameField(StrictCharField):
    """Required text with a visible character; surrounding spaces are trimmed."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(min_length=1, max_length=max_length, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not _VISIBLE.search(value):
            raise serializers.ValidationError("must have a visible character")
        return value


class PatternField(StrictCharField):
    """A string matching ``pattern`` in full, taken as typed."""

    def __init__(self, pattern: str, *, message: str, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.regex = re.compile(pattern)
        self.message = message

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and not self.regex.fullmatch(value):
            raise serializers.ValidationError(self.message)
        return value


class MacField(PatternField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAC_LENGTH)
        super().__init__(
            MAC_PATTERN, message="not a unicast MAC address like 0c:42:a1:00:00:01", **kwargs
        )

    def to_internal_value(self, data):
        return normalise_mac(super().to_internal_value(data))


class Ipv4Field(StrictCharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", IPV4_LENGTH)
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return str(ipaddress.IPv4Address(value))
        except ValueError:
            raise serializers.ValidationError("not an IPv4 address") from None


class Ipv6Field(StrictCharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", IPV6_LENGTH)
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            address = ipaddress.IPv6Address(value)
        except ValueError:
            address = None
        if address is None or address.scope_id:
            raise serializers.ValidationError("not an IPv6 address")
        return address.compressed

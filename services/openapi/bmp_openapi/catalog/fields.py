"""Input fields of the catalog's APIs, each matching what the contract says of it.

Patterned and enumerated strings are taken as sent (no trimming): the contract's pattern is the
whole rule, so what it forbids (a trailing space, say) must be refused here too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rest_framework import serializers

from bmp_common.api.serializers import StrictCharField, StrictIntegerField, name_field

# Contract patterns (JSON Schema, ECMA) and their Python twins (matched whole).
OPTIONAL_ID_LIST = r"^([0-9A-Za-z_-]{1,64}(,[0-9A-Za-z_-]{1,64})*)?$"
SPEC_CODE = r"^[0-9A-Za-z._-]{1,64}$"
VOLUME_NAME = r"^[0-9A-Za-z_-]{1,64}$"
# A positive decimal with up to 2 decimals, as typed: "480", "1.92".
VOLUME_SIZE = r"^([1-9][0-9]{0,5}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$"
# A mount point ends up in fstab and under the installer's mount root: an absolute path of
# letters, digits, ".", "_" and "-" whose segments are never "." or "..". Written without
# lookarounds so fuzzers can generate it.
CLEAN_PATH = r"(/([0-9A-Za-z_-]|\.[0-9A-Za-z_-]|\.\.[0-9A-Za-z._-])[0-9A-Za-z._-]*)+"
# The system disk's partitions may also be swap or the root; a data disk's may not.
MOUNT_POINT = rf"^(swap|/|{CLEAN_PATH})$"
DATA_MOUNT_POINT = rf"^{CLEAN_PATH}$"
IMAGE_URL = r"^(https?://|\{host\}/)[!-~]+$"  # printable ASCII, no spaces
IMAGE_HASH = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$"
FILENAME = r"^[0-9A-Za-z._+-]{1,255}$"

FS_TYPES = ("xfs", "ext4", "ext3", "swap")
# boot modes as upstream writes them: one, or both comma-separated (stored Legacy/BIOS first)
BOOT_MODE_VALUES = ("UEFI", "Legacy/BIOS", "Legacy/BIOS,UEFI", "UEFI,Legacy/BIOS")


def canonical_boot_mode(value: str) -> str:
    modes = set(value.split(","))
    return ",".join(mode for mode in ("Legacy/BIOS", "UEFI") if mode in modes)


def split_ids(value: str) -> list[str]:
    """``"a,b,a"`` -> ``["a", "b"]``: a comma-separated id list, without repeats."""
    return list(dict.fromkeys(part for part in value.split(",") if part))


class StrictObject(serializers.Serializer):
    """An object nested in a request: refuses keys it does not know (unlike StrictSerializer,
    also when nested in a list) and wants its required keys even inside a partial update (DRF
    skips missing fields anywhere under a partial root)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {name: ["unknown field"] for name in sorted(set(data) - set(self.fields))}
            for name, field in self.fields.items():
                if field.required and name not in data:
                    errors[name] = [field.error_messages["required"]]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class PatternField(StrictCharField):
    """A string matching ``pattern`` as a whole, taken as sent."""

    def __init__(self, pattern: str, **kwargs):
        self.pattern = re.compile(pattern.removeprefix("^").removesuffix("$"))
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not self.pattern.fullmatch(value):
            raise serializers.ValidationError(f"must match {self.pattern.pattern}")
        return value


class EnumField(StrictCharField):
    """One of ``values``, exactly."""

    def __init__(self, values, **kwargs):
        self.values = tuple(values)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in self.values:
            raise serializers.ValidationError(f"must be one of: {', '.join(self.values)}")
        return value


class BodyIntegerField(StrictIntegerField):
    """An integer of a JSON body: a JSON number, never a string of digits."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntEnumField(BodyIntegerField):
    def __init__(self, values, **kwargs):
        self.values = tuple(values)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in self.values:
            raise serializers.ValidationError(
                f"must be one of: {', '.join(str(v) for v in self.values)}"
            )
        return value


def int_field(minimum: int, maximum: int, **kwargs) -> BodyIntegerField:
    return BodyIntegerField(min_value=minimum, max_value=maximum, **kwargs)


def id_list_field(max_items: int = 100) -> serializers.ListField:
    """A JSON array of ids (imageIds, deviceTypeIds): 1 to ``max_items`` of them."""
    return serializers.ListField(
        child=name_field(64),
        min_length=1,
        max_length=max_items,
    )


def query_enum(values) -> serializers.ChoiceField:
    """A list filter taking one of ``values``; empty means no filter."""
    return serializers.ChoiceField(choices=[*values, ""], required=False, default="")


def query_pattern(pattern: str, max_length: int) -> PatternField:
    return PatternField(pattern, max_length=max_length, required=False, allow_blank=True)


class MountPointField(PatternField):
    """A partition's mount point, the one rule of every partition: a clean absolute path
    (CLEAN_PATH); ``system=True`` also takes the system disk's own, ``swap`` and ``/``
    (MOUNT_POINT), ``system=False`` refuses them (DATA_MOUNT_POINT)."""

    def __init__(self, *, system: bool, **kwargs):
        self.system = system
        super().__init__(MOUNT_POINT if system else DATA_MOUNT_POINT, max_length=255, **kwargs)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            path = (
                "an absolute path of letters, digits, '.', '_' and '-' without '.' or '..' segments"
            )
            raise serializers.ValidationError(
                f"must be swap or {path}" if self.system else f"must be {path}, not / nor swap"
            ) from None


class PartitionSerializer(StrictObject):
    """A default partition of an image: ``{"format": "xfs", "point": "/", "size": 51200}``."""

    format = EnumField(FS_TYPES)
    point = MountPointField(system=True)
    size = int_field(1, 100_000_000)  # MB


def partitions_field() -> PartitionSerializer:
    return PartitionSerializer(many=True, required=False, max_length=32)

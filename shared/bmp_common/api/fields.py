"""Serializer fields shared by every API."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rest_framework import serializers

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # upstream's rendering
DEFAULT_TIMEZONE = "Asia/Shanghai"


def user_zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "timezone", None) or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def row_id_field() -> serializers.IntegerField:
    """Upstream's integer ``id`` of every row: the row's primary key."""
    return serializers.IntegerField(source="pk", read_only=True)


class UnixSecondsField(serializers.Field):
    """An aware datetime as Unix seconds (upstream's integer times); 0 when unset."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        # A null datetime is still rendered (0), not skipped as DRF does with None.
        return super().get_attribute(instance) or 0

    def to_representation(self, value):
        return int(value.timestamp()) if value else 0


class LocalTimeField(serializers.Field):
    """An aware datetime rendered in the calling user's timezone, as upstream does."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        request = self.context.get("request")
        user = getattr(request, "user", None) if request is not None else None
        return value.astimezone(user_zone(user)).strftime(TIME_FORMAT)

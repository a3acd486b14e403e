"""Versioned message schemas for what crosses the broker.

Every message travels as ``{"schema": "<name>", "version": <int>, "body": {...}}``. A consumer
decodes with the class it expects: a different schema, an unknown version, a missing or unknown
field or a wrongly typed one is a ``MessageSchemaError``, never a half-understood message.
Adding an optional field keeps the version; renaming or removing one bumps it.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, ClassVar, Self


class MessageSchemaError(ValueError):
    pass


@dataclasses.dataclass(frozen=True, kw_only=True)
class Message:
    SCHEMA: ClassVar[str]
    VERSION: ClassVar[int]

    def to_wire(self) -> dict[str, Any]:
        return {"schema": self.SCHEMA, "version": self.VERSION, "body": dataclasses.asdict(self)}

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        if not isinstance(data, dict):
            raise MessageSchemaError(f"{cls.SCHEMA}: a message must be an object")
        if data.get("schema") != cls.SCHEMA:
            raise MessageSchemaError(f"expected schema {cls.SCHEMA}, got {data.get('schema')!r}")
        if data.get("version") != cls.VERSION:
            raise MessageSchemaError(
                f"{cls.SCHEMA}: version {data.get('version')!r} is not supported "
                f"(this side speaks {cls.VERSION})"
            )
        body = data.get("body")
        if not isinstance(body, dict):
            raise MessageSchemaError(f"{cls.SCHEMA}: body must be an object")
        fields = _schema(cls)
        unknown = body.keys() - fields.keys()
        if unknown:
            raise MessageSchemaError(f"{cls.SCHEMA}: unknown fields {sorted(unknown)}")
        for name, (hint, required) in fields.items():
            if name not in body:
                if required:
                    raise MessageSchemaError(f"{cls.SCHEMA}: missing field {name!r}")
                continue
            if not _matches(body[name], hint):
                raise MessageSchemaError(f"{cls.SCHEMA}: field {name!r} has the wrong type")
        try:
            return cls(**body)
        except (TypeError, ValueError) as exc:
            raise MessageSchemaError(f"{cls.SCHEMA}: {exc}") from None


@functools.cache
def _schema(cls: type[Message]) -> dict[str, tuple[Any, bool]]:
    """Each field of ``cls``: its type and whether it is required. Read once per class:
    ``typing.get_type_hints`` evaluates every annotation anew (5-7 % of the CPU openapi's
    worker spent on a job event)."""
    hints = typing.get_type_hints(cls)
    return {
        field.name: (
            hints[field.name],
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING,
        )
        for field in dataclasses.fields(cls)
    }


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, option) for option in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is Any:
        return True
    if origin is not None:
        hint = origin
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, hint)

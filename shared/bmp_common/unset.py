"""``UNSET``: "this keyword argument was not given", the one sentinel of every write service.

A modify service changes only what the request names: each of its optional keyword arguments
defaults to ``UNSET`` and is typed ``T | Unset``, so a field absent from the request (``UNSET``,
left unchanged) stays distinct from one sent empty (``""``, ``[]``) or null (``None``), which
are values. The view passes ``values.get("camelName", UNSET)`` for each optional field; the
service tests ``value is not UNSET`` (UNSET has no truth value, so ``if value:`` cannot
mistake it for an empty one) or hands its keywords to ``assign_given``.
"""

from __future__ import annotations

import enum
from typing import Any, Final


class Unset(enum.Enum):
    """The type of ``UNSET``: an enum of one member, so that ``value is UNSET`` narrows
    ``T | Unset`` to ``T`` for a type checker."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        raise TypeError("UNSET has no truth value: test `value is UNSET`")


UNSET: Final = Unset.UNSET


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments whose value is not ``UNSET``."""
    return {name: value for name, value in values.items() if value is not UNSET}


def assign_given(obj: object, **values: Any) -> list[str]:
    """Sets each attribute of ``obj`` whose value is not ``UNSET``; returns the names set (the
    ``update_fields`` of the save)."""
    changed = given(**values)
    for name, value in changed.items():
        setattr(obj, name, value)
    return list(changed)

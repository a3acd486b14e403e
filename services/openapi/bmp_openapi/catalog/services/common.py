"""Helpers shared by the catalog's services."""

from __future__ import annotations

from django.db import models

from bmp_common.errors import BmpError, ErrorSpec, Localized


def apply_fields(obj: models.Model, data: dict, fields: dict[str, str]) -> list[str]:
    """Copies ``data[api_name]`` to ``obj.<column>`` for each given field; returns the columns."""
    changed = []
    for field, column in fields.items():
        if field in data:
            setattr(obj, column, data[field])
            changed.append(column)
    return changed


def in_use_error(spec: ErrorSpec, label, **params) -> BmpError:
    """The in-use error naming ``label`` (a string or an (English, Chinese) pair)."""
    return BmpError(spec, what=Localized.of(label), **params)

"""Helpers shared by the catalog's services."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction

from bmp_common.errors import BmpError, ErrorSpec, Localized


def apply_fields(obj: models.Model, data: dict, fields: dict[str, str]) -> list[str]:
    """Copies ``data[api_name]`` to ``obj.<column>`` for each given field; returns the columns."""
    changed = []
    for field, column in fields.items():
        if field in data:
            setattr(obj, column, data[field])
            changed.append(column)
    return changed


def save_or_conflict(obj: models.Model, spec: ErrorSpec, *, update_fields=None, **params) -> None:
    """Saves ``obj``; a unique constraint refusing it (a concurrent twin) becomes ``spec``."""
    try:
        with transaction.atomic():
            if update_fields is None:
                obj.save()
            else:
                obj.save(update_fields=update_fields)
    except IntegrityError:
        raise BmpError(spec, **params) from None


def in_use_error(spec: ErrorSpec, label, **params) -> BmpError:
    """The in-use error naming ``label`` (a string or an (English, Chinese) pair)."""
    return BmpError(spec, what=Localized.of(label), **params)

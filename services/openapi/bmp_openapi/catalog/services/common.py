"""Helpers shared by the catalog's services."""

from __future__ import annotations

from bmp_common.errors import BmpError, ErrorSpec, Localized


def in_use_error(spec: ErrorSpec, label, **params) -> BmpError:
    """The in-use error naming ``label`` (a string or an (English, Chinese) pair)."""
    return BmpError(spec, what=Localized.of(label), **params)

"""Database helpers of the Django services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction

from bmp_common.errors import BmpError, ErrorSpec


@contextmanager
def unique_or_conflict(error: ErrorSpec | Callable[[], BmpError], **params) -> Iterator[None]:
    """Runs the block in a savepoint; a unique constraint refusing its writes (a concurrent twin
    committed first, past the service's own check) becomes the 409 ``error``: a spec and its
    ``params``, or a function that finds which rule broke and returns the ``BmpError``. The
    savepoint keeps the caller's transaction usable, so the error is rendered, not a 500."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise (BmpError(error, **params) if isinstance(error, ErrorSpec) else error()) from None

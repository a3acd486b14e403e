"""A one-row lookup that every request runs, its SQL compiled once per thread.

Django compiles a queryset's SQL each time the queryset runs. For the API key lookup (the key,
its user and the user's role: some 45 columns over two joins) that compiling was a millisecond
of every request, a third of the CPU of the cheapest one. ``PreparedLookup`` compiles
``queryset.filter(<column>=<value>)[:1]`` once per thread and then runs that SQL with each
value, building the row as ``QuerySet.__iter__`` (``ModelIterable``) does: the backend's
converters, ``Model.from_db``, the populators of the ``select_related`` rows and the
annotations.

Only the SQL text is kept: every call reads the database, so a row deleted or changed is seen
by the next call. Per thread, because a compiler belongs to its thread's connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Stands for the looked-up value while the SQL is compiled (then found among its parameters).
_PLACEHOLDER = "\x00prepared-lookup\x00"


class _Compiled:
    def __init__(self, queryset: QuerySet, column: str):
        queryset = queryset.filter(**{column: _PLACEHOLDER})[:1]
        self.db = queryset.db
        self.model = queryset.model
        compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.position = self.params.index(_PLACEHOLDER)
        if queryset.query.extra_select:
            raise ValueError("a prepared lookup reads no extra() columns")
        self.annotations = dict(compiler.annotation_col_map or {})
        select, klass_info = compiler.select, compiler.klass_info
        self.compiler = compiler
        self.converters = compiler.get_converters(
            [column[0] for column in select[: compiler.col_count]]
        )
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.related_populators = get_related_populators(klass_info, select, self.db)


class PreparedLookup(threading.local):
    """``lookup.first(value)``: the row of ``queryset()`` whose ``column`` equals ``value``, or
    None; for a column that is unique (at most one row matches, so no order is needed).
    ``queryset`` builds the queryset (select_related included) when a thread first calls."""

    def __init__(self, queryset: Callable[[], QuerySet], column: str):
        self._queryset, self._column = queryset, column
        self._compiled: _Compiled | None = None

    def first(self, value) -> Model | None:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = _Compiled(self._queryset(), self._column)
        params = list(compiled.params)
        params[compiled.position] = value
        with connections[compiled.db].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = next(compiled.compiler.apply_converters([row], compiled.converters))
        found = compiled.model.from_db(
            compiled.db, compiled.init_list, row[compiled.start : compiled.end]
        )
        for populator in compiled.related_populators:
            populator.populate(row, found)
        for name, position in compiled.annotations.items():
            setattr(found, name, row[position])
        return found

"""Database helpers of the Django services."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.models import Expression, Field, Model, QuerySet

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


class Arg(Expression):
    """A value a ``Statement`` is given each time it runs: ``filter(sn=Arg("sn"))``.

    ``field``: the model field the value is compared with, which prepares it for the database
    (a datetime's time zone and form); without one the value goes as given (text, numbers)."""

    def __init__(self, name: str, field: Field | None = None):
        super().__init__(output_field=field)
        self.name = name
        self.prepared_by = field

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        return "%s", [self]

    def bind(self, values: dict[str, Any], connection) -> Any:
        value = values[self.name]
        field = self.prepared_by
        return value if field is None else field.get_db_prep_value(value, connection)


class Statement:
    """A read compiled to SQL once per database, then run with new ``Arg`` values.

    Django compiles a QuerySet into SQL each time it is evaluated: for a wide model that is
    ~1-2 ms of CPU here, 10-30 times the query's own cost, and on the scheduler's hottest reads
    (one per agent heartbeat, one per step result) it was a fifth of the services' CPU. A
    Statement keeps the SQL, the columns and their converters, and builds the same instances
    the QuerySet would (``Model.from_db``: the fields it loads, the others deferred). ``build``
    returns the QuerySet, with ``Arg`` where the values change; one model, no
    ``select_related``, no annotations.
    """

    def __init__(self, build: Callable[[], QuerySet]):
        self._build = build
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, using: str) -> _Compiled:
        compiled = self._compiled.get(using)
        if compiled is None:
            queryset = self._build()
            query = queryset.query
            if query.select_related or query.annotations or query.values_select:
                raise TypeError("a Statement reads whole instances of one model")
            compiler = query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            columns = [column for column, _sql, _alias in compiler.select]
            compiled = self._compiled[using] = _Compiled(
                model=queryset.model,
                sql=sql,
                params=tuple(params),
                attnames=tuple(column.target.attname for column in columns),
                converters=compiler.get_converters(columns),
            )
        return compiled

    def all(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[Model]:
        compiled = self._compile(using)
        connection = connections[using]
        bound = [p.bind(values, connection) if isinstance(p, Arg) else p for p in compiled.params]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, bound)
            rows = cursor.fetchall()
        model, attnames, converters = compiled.model, compiled.attnames, compiled.converters
        found = []
        for row in rows:
            if converters:
                row = list(row)
                for at, (functions, column) in converters.items():
                    for function in functions:
                        row[at] = function(row[at], column, connection)
            found.append(model.from_db(using, attnames, row))
        return found

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> Model | None:
        """The first row: ``build`` limits the query (``[:1]``), as ``QuerySet.first`` would."""
        rows = self.all(using=using, **values)
        return rows[0] if rows else None


class _Compiled(NamedTuple):
    model: type[Model]
    sql: str
    params: tuple
    attnames: tuple[str, ...]
    converters: dict


def save_fields(obj: Model, fields: Sequence[str]) -> None:
    """``obj.save(update_fields=fields)`` with its UPDATE compiled once per model, fields and
    database: Django builds and compiles a QuerySet for every save (0.7 ms of CPU here, against
    0.1 ms for the statement), and the scheduler saves a step twice per step of every install.
    Fields set on save are set as ``save`` sets them (``auto_now``); no signals are sent (the
    models written this way have no receivers). Raises ``DatabaseError`` when the row is gone,
    as ``save`` does."""
    using = obj._state.db or DEFAULT_DB_ALIAS
    model = type(obj)
    key = (model, tuple(fields), using)
    compiled = _UPDATES.get(key)
    connection = connections[using]
    if compiled is None:
        meta = model._meta
        columns = [meta.get_field(name) for name in fields]
        quote = connection.ops.quote_name
        # Identifiers of the model's own table, quoted; every value is a parameter.
        sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
            quote(meta.db_table),
            ", ".join(f"{quote(field.column)} = %s" for field in columns),
            quote(meta.pk.column),
        )
        compiled = _UPDATES[key] = (sql, columns)
    sql, columns = compiled
    values = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in columns]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])
        if cursor.rowcount == 0:
            raise DatabaseError(f"{model.__name__} {obj.pk}: no row to update")


_UPDATES: dict[tuple, tuple[str, list[Field]]] = {}

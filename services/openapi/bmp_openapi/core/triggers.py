"""The migration operation that creates a trigger spec's triggers (core.group_counts'
GroupCount, core.suffixes' SuffixIndex: anything with ``create_sql(vendor)`` and
``drop_sql()``), and drops them when the migration is reversed."""

from __future__ import annotations

from typing import Protocol

from django.db import migrations


class TriggerSpec(Protocol):
    def create_sql(self, vendor: str) -> list[str]: ...

    def drop_sql(self) -> list[str]: ...


def _execute(schema_editor, statements: list[str]) -> None:
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)  # no parameters: "%" is the modulo operator here


def run_python(spec: TriggerSpec) -> migrations.RunPython:
    """The triggers, then the table's rows for what is already there (one transaction on
    SQLite; MariaDB commits DDL at once, so migrate with the writers stopped)."""

    def create(apps, schema_editor):
        _execute(schema_editor, spec.create_sql(schema_editor.connection.vendor))

    def drop(apps, schema_editor):
        _execute(schema_editor, spec.drop_sql())

    return migrations.RunPython(create, drop)

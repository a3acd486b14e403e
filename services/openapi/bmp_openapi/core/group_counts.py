# ruff: noqa: S608 (DDL built from the constants of GroupCount specs, never from input)
"""Grouped-count tables kept exact by database triggers.

A list answer carries an exact ``totalCount``. When its filters keep most of 100,000 rows,
``COUNT(*)`` reads most of an index on every request. A grouped-count table holds, per
combination of the columns the lists filter on by equality (an IDC, a device type, a status…),
how many live rows have it; the count of any conjunction of those filters is then a SUM over
a few group rows.

Triggers keep the table exact in the writer's own transaction, whoever writes: a service, a
``QuerySet.update``, a bulk insert, raw SQL or another process (Django signals miss the last
four). A row counts while ``delete_marker = 0`` (soft delete); a hard delete uncounts it.

Each group is split over ``SLOTS`` rows. On MySQL/MariaDB a writer adds and subtracts in the
slot of its connection (``CONNECTION_ID()``), so that concurrent writers of one group (an
install storm moving instances between statuses) mostly lock different rows, and a statement
that writes many rows of one group locks one count row, not one per slot in its rows' order:
slots chosen by row id made two concurrent creates of ten instances lock the same slots in
different orders and deadlock. A slot's number may go below zero; the sum over a group's slots
is the count. SQLite has one writer at a time: one slot per row id there.

Migrations call ``create_sql``/``drop_sql`` (their SQL is part of the schema: change a
trigger by a new migration that drops and creates it again). On SQLite, a migration that
remakes the table (most AlterField/RemoveField operations) drops its triggers: it must create
them again (tests/test_list_triggers.py fails otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

SLOTS = 4


@dataclass(frozen=True)
class GroupCount:
    """``counts`` holds, for ``table``'s live rows, one row per group and slot: the group
    columns ``keys`` (count column -> expression over the row, written with ``{row}`` for
    ``NEW``/``OLD``; NOT NULL, as the unique key must see equal groups as equal), ``slot`` and
    ``live_rows``."""

    table: str
    counts: str
    keys: dict[str, str]
    name: str  # prefix of the triggers' names

    def _values(self, row: str, vendor: str = "sqlite") -> list[str]:
        slot = f"CONNECTION_ID() % {SLOTS}" if vendor == "mysql" else f"{row}.id % {SLOTS}"
        return [expr.format(row=row) for expr in self.keys.values()] + [slot]

    def _columns(self) -> list[str]:
        return [*self.keys, "slot"]

    def _match(self, row: str, vendor: str = "sqlite") -> str:
        return " AND ".join(
            f"{column} = {value}"
            for column, value in zip(self._columns(), self._values(row, vendor), strict=True)
        )

    def _changed(self, vendor: str) -> str:
        """The row's group or liveness changed (an update that changes neither writes nothing:
        a status write of another column takes no lock on the counts)."""
        same = "<=>" if vendor == "mysql" else "IS"
        exprs = [*self.keys.values(), "{row}.delete_marker"]
        return " OR ".join(
            f"NOT ({expr.format(row='OLD')} {same} {expr.format(row='NEW')})" for expr in exprs
        )

    # -- SQLite: one writer at a time; an upsert adds, an update subtracts.
    def _sqlite_add(self, row: str, condition: str) -> str:
        columns = ", ".join([*self._columns(), "live_rows"])
        values = ", ".join([*self._values(row), "1"])
        conflict = ", ".join(self._columns())
        # (INSERT … SELECT needs its WHERE before ON CONFLICT, or SQLite reads a join's ON.)
        return (
            f"INSERT INTO {self.counts} ({columns}) SELECT {values} WHERE {condition} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET live_rows = live_rows + 1;"
        )

    def _sqlite_remove(self, row: str, condition: str) -> str:
        return (
            f"UPDATE {self.counts} SET live_rows = live_rows - 1 "
            f"WHERE {condition} AND {self._match(row)};"
        )

    # -- MySQL/MariaDB: an UPDATE of the existing group row takes one record lock. A row added
    # is counted in the writer's slot, inserted if the group has no row there yet (an upsert:
    # a concurrent first insert of the same row waits for the other's commit, then adds to
    # it). A row removed is uncounted in the writer's slot, or, where that slot has no row, in
    # the group's first: a live row's group has one, and a removal never inserts (a count
    # table emptied before the rows it counts, as Django's test flush does, stays empty).
    def _mysql_add(self, row: str) -> str:
        columns = ", ".join([*self._columns(), "live_rows"])
        values = ", ".join([*self._values(row, "mysql"), "1"])
        return (
            f"UPDATE {self.counts} SET live_rows = live_rows + 1 "
            f"WHERE {self._match(row, 'mysql')}; "
            f"IF ROW_COUNT() = 0 THEN INSERT INTO {self.counts} ({columns}) VALUES ({values}) "
            "ON DUPLICATE KEY UPDATE live_rows = live_rows + 1; END IF;"
        )

    def _mysql_remove(self, row: str) -> str:
        group = " AND ".join(
            f"{column} = {expr.format(row=row)}" for column, expr in self.keys.items()
        )
        return (
            f"UPDATE {self.counts} SET live_rows = live_rows - 1 "
            f"WHERE {self._match(row, 'mysql')}; "
            f"IF ROW_COUNT() = 0 THEN UPDATE {self.counts} SET live_rows = live_rows - 1 "
            f"WHERE {group} ORDER BY slot LIMIT 1; END IF;"
        )

    def create_sql(self, vendor: str) -> list[str]:
        """The triggers, then the counts of the rows already there."""
        t, n = self.table, self.name
        if vendor == "mysql":
            statements = [
                f"CREATE TRIGGER {n}_insert AFTER INSERT ON {t} FOR EACH ROW BEGIN "
                f"IF NEW.delete_marker = 0 THEN {self._mysql_add('NEW')} END IF; END",
                f"CREATE TRIGGER {n}_update AFTER UPDATE ON {t} FOR EACH ROW BEGIN "
                f"IF {self._changed(vendor)} THEN "
                f"IF OLD.delete_marker = 0 THEN {self._mysql_remove('OLD')} END IF; "
                f"IF NEW.delete_marker = 0 THEN {self._mysql_add('NEW')} END IF; "
                "END IF; END",
                f"CREATE TRIGGER {n}_delete AFTER DELETE ON {t} FOR EACH ROW BEGIN "
                f"IF OLD.delete_marker = 0 THEN {self._mysql_remove('OLD')} END IF; END",
            ]
        else:
            statements = [
                f"CREATE TRIGGER {n}_insert AFTER INSERT ON {t} FOR EACH ROW BEGIN "
                f"{self._sqlite_add('NEW', 'NEW.delete_marker = 0')} END",
                f"CREATE TRIGGER {n}_update AFTER UPDATE ON {t} FOR EACH ROW "
                f"WHEN {self._changed(vendor)} BEGIN "
                f"{self._sqlite_remove('OLD', 'OLD.delete_marker = 0')} "
                f"{self._sqlite_add('NEW', 'NEW.delete_marker = 0')} END",
                f"CREATE TRIGGER {n}_delete AFTER DELETE ON {t} FOR EACH ROW BEGIN "
                f"{self._sqlite_remove('OLD', 'OLD.delete_marker = 0')} END",
            ]
        group = ", ".join(self._values(t))
        columns = ", ".join([*self._columns(), "live_rows"])
        statements.append(f"DELETE FROM {self.counts}")
        statements.append(
            f"INSERT INTO {self.counts} ({columns}) SELECT {group}, COUNT(*) FROM {t} "
            f"WHERE delete_marker = 0 GROUP BY {group}"
        )
        return statements

    def drop_sql(self) -> list[str]:
        events = ("insert", "update", "delete")
        return [f"DROP TRIGGER IF EXISTS {self.name}_{event}" for event in events]

# ruff: noqa: S608 (DDL built from the constants of SuffixIndex specs, never from input)
"""Suffix tables kept by database triggers: a substring filter as a range on an index.

Upstream's name filters are substrings (``LIKE '%text%'``), which no B-tree index can seek:
at 100,000 rows each request reads every name. A suffix table holds every suffix of the
column's value (the value itself included), so "the name contains X" is "one of its suffixes
starts with X", a range on the ``(suffix, row_key)`` index. On SQLite and MariaDB both,
``LIKE 'X%'`` on a suffix matches where ``LIKE '%X%'`` on the value does (same case rule,
same collation, character by character).

Triggers write the suffixes in the writer's own transaction, whoever writes (a create, a
rename, a bulk insert, a QuerySet update, raw SQL); a hard delete removes them. Rows of
soft-deleted rows stay (the lists filter on their own table's ``delete_marker``).
``text_position`` (1..``MAX_LENGTH``, made by devices' migration 0008) gives the trigger one
row per character.

Migrations call ``create_sql``/``drop_sql`` (their SQL is part of the schema: change a
trigger by a new migration that drops and creates it again).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

MAX_LENGTH = 255  # rows of text_position: the longest value a suffix table may index
POSITIONS = "text_position"


def positions_sql() -> list[str]:
    values = ", ".join(f"({n})" for n in range(1, MAX_LENGTH + 1))
    return [
        f"CREATE TABLE {POSITIONS} (n INTEGER NOT NULL PRIMARY KEY)",
        f"INSERT INTO {POSITIONS} (n) VALUES {values}",
    ]


@dataclass(frozen=True)
class SuffixIndex:
    """``suffixes`` (columns ``key``, ``suffix``) holds every suffix of ``table.column``."""

    table: str
    column: str
    suffixes: str
    name: str  # prefix of the triggers' names
    key: str = "row_key"  # the suffixes' column naming the row (``table.id``)

    @staticmethod
    def _suffix_and_length(vendor: str, value: str) -> tuple[str, str]:
        """SQL of the suffix of ``value`` from position p.n, and of its length (characters)."""
        if vendor == "mysql":
            return f"SUBSTRING({value}, p.n)", f"CHAR_LENGTH({value})"
        return f"substr({value}, p.n)", f"length({value})"

    def _insert(self, vendor: str, row: str) -> str:
        value = f"{row}.{self.column}"
        if vendor == "mysql":
            # One single-row INSERT per suffix. An INSERT ... SELECT is a "bulk insert" to
            # InnoDB, which then holds the table's AUTO-INC lock until the end of the writer's
            # statement (innodb_autoinc_lock_mode 1, MariaDB's default): two concurrent
            # multi-row creates, each holding one group-count row the other's next row needed,
            # deadlocked on it ("Failed to read auto-increment value from storage engine").
            return (
                "BEGIN DECLARE p INT DEFAULT 1; "
                f"WHILE p <= CHAR_LENGTH({value}) DO "
                f"INSERT INTO {self.suffixes} ({self.key}, suffix) "
                f"VALUES ({row}.id, SUBSTRING({value}, p)); SET p = p + 1; "
                "END WHILE; END;"
            )
        suffix, length = self._suffix_and_length(vendor, value)
        return (
            f"INSERT INTO {self.suffixes} ({self.key}, suffix) SELECT {row}.id, {suffix} "
            f"FROM {POSITIONS} p WHERE p.n <= {length};"
        )

    def _delete(self, row: str) -> str:
        return f"DELETE FROM {self.suffixes} WHERE {self.key} = {row}.id;"

    def create_sql(self, vendor: str) -> list[str]:
        """The triggers, then the suffixes of the rows already there."""
        t, n, c = self.table, self.name, self.column
        if vendor == "mysql":
            # Compared as bytes: a rename that changes only case or accents rewrites too.
            # (CAST, not the BINARY operator MySQL 8 deprecates.)
            changed = f"NOT (CAST(OLD.{c} AS BINARY) <=> CAST(NEW.{c} AS BINARY))"
            statements = [
                f"CREATE TRIGGER {n}_insert AFTER INSERT ON {t} FOR EACH ROW BEGIN "
                f"{self._insert(vendor, 'NEW')} END",
                f"CREATE TRIGGER {n}_update AFTER UPDATE ON {t} FOR EACH ROW BEGIN "
                f"IF {changed} THEN {self._delete('OLD')} {self._insert(vendor, 'NEW')} "
                "END IF; END",
                f"CREATE TRIGGER {n}_delete AFTER DELETE ON {t} FOR EACH ROW BEGIN "
                f"{self._delete('OLD')} END",
            ]
        else:
            statements = [
                f"CREATE TRIGGER {n}_insert AFTER INSERT ON {t} FOR EACH ROW BEGIN "
                f"{self._insert(vendor, 'NEW')} END",
                f"CREATE TRIGGER {n}_update AFTER UPDATE OF {c} ON {t} FOR EACH ROW "
                f"WHEN OLD.{c} IS NOT NEW.{c} BEGIN "
                f"{self._delete('OLD')} {self._insert(vendor, 'NEW')} END",
                f"CREATE TRIGGER {n}_delete AFTER DELETE ON {t} FOR EACH ROW BEGIN "
                f"{self._delete('OLD')} END",
            ]
        statements.append(f"DELETE FROM {self.suffixes}")
        suffix, length = self._suffix_and_length(vendor, f"{t}.{c}")
        statements.append(
            f"INSERT INTO {self.suffixes} ({self.key}, suffix) SELECT {t}.id, {suffix} "
            f"FROM {t} JOIN {POSITIONS} p ON p.n <= {length}"
        )
        return statements

    def drop_sql(self) -> list[str]:
        events = ("insert", "update", "delete")
        return [f"DROP TRIGGER IF EXISTS {self.name}_{event}" for event in events]


# A text that starts this many suffixes or more is common: see contains.
COMMON_TEXT = 5000


def contains(
    suffix_model, text: str, *, column: str, key: str = "pk", row_key: str = "row_key"
) -> Q:
    """The rows whose ``column`` contains ``text``, ignoring case: the same rows as
    ``<column>__icontains``. A rare text is looked up on ``suffix_model``'s index (a few
    entries instead of every value). A common one (a prefix most names share) would gather
    most rows before the page could be ordered, while reading the rows in the list's order
    finds a page at once: a bounded probe of the index tells which. ``key``: the path to
    the id the suffixes name (in their column ``row_key``)."""
    suffixes = suffix_model.objects.filter(suffix__istartswith=text).order_by()
    if suffixes[:COMMON_TEXT].count() == COMMON_TEXT:
        return Q(**{f"{column}__icontains": text})
    return Q(**{f"{key}__in": suffixes.values(row_key)})

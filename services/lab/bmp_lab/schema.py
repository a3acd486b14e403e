"""The platform's schema, migrated once per set of migrations and copied into each new database.

Every integration module and e2e lab starts a platform on an empty database, and migrating it
costs a Django start per project and, on MariaDB, one synchronous DDL statement per migration
operation: about 25 s per platform there. The migrated result is kept as a template — a SQLite
file in the temporary folder, a ``bmp_schema_<key>`` database on the MariaDB/MySQL server — named
by a hash of every migration file, so a new or edited migration makes a new template and a
template is never stale. A copy is the migrated database: the same tables, constraints, rows
(the seeded roles, rules and ``django_migrations``) and triggers.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# The Django projects that keep tables in the platform's database, in the order they migrate.
PROJECTS = ("bmp_openapi.settings", "bmp_scheduler.settings", "bmp_oob_alert.settings")

TRIGGER_SOURCES = [
    ROOT / "services/openapi/bmp_openapi/core/group_counts.py",
    ROOT / "services/openapi/bmp_openapi/core/suffixes.py",
    ROOT / "services/openapi/bmp_openapi/core/triggers.py",
    # (the specs: which table, column and key each trigger writes)
    ROOT / "services/openapi/bmp_openapi/devices/models.py",
    ROOT / "services/openapi/bmp_openapi/instances/models.py",
]

Migrate = Callable[[str], None]  # migrates every project into the database at this URL


def schema_key() -> str:
    digest = hashlib.sha256()
    # With the trigger SQL openapi's migrations take from its code.
    sources = [*ROOT.glob("services/*/bmp_*/**/migrations/*.py"), *TRIGGER_SOURCES]
    for path in sorted(sources):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be making the same template
        yield


def copy_sqlite(target: Path, migrate: Migrate) -> None:
    template = Path(tempfile.gettempdir()) / f"bmp-schema-{schema_key()}.sqlite3"
    with _file_lock(template.with_suffix(".lock")):
        if not template.exists():
            build = template.with_suffix(".build")
            build.unlink(missing_ok=True)
            migrate(f"sqlite:///{build}")
            os.replace(build, template)  # whole or absent
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)


def clone_mysql(
    connect: Callable[[], object],
    url_of: Callable[[str], str],
    name: str,
    migrate: Migrate,
    *,
    prefix: str = "bmp",
) -> None:
    """Fill the (empty) database ``name`` from the template ``<prefix>_schema_<key>``, made
    first if missing (older templates of the same prefix are dropped: no other prefix's)."""
    template = f"{prefix}_schema_{schema_key()}"
    connection = connect()
    cursor = connection.cursor()
    cursor.execute("SELECT GET_LOCK(%s, 600)", [f"{prefix}_schema_template"])
    try:
        pattern = prefix.replace("_", "\\_") + "\\_schema\\_%"
        cursor.execute(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE %s",
            [pattern],
        )
        existing = {row[0] for row in cursor.fetchall()}
        if template not in existing:
            for old in existing:  # made by earlier migrations: never used again
                cursor.execute(f"DROP DATABASE `{old}`")
            cursor.execute(f"CREATE DATABASE `{template}` CHARACTER SET utf8mb4")
            try:
                migrate(url_of(template))
            except BaseException:
                cursor.execute(f"DROP DATABASE `{template}`")
                raise
    finally:
        cursor.execute("SELECT RELEASE_LOCK(%s)", [f"{prefix}_schema_template"])
    cursor.execute(f"SHOW FULL TABLES FROM `{template}` WHERE Table_type = 'BASE TABLE'")
    tables = [row[0] for row in cursor.fetchall()]
    cursor.execute(f"USE `{name}`")
    cursor.execute("SET SESSION foreign_key_checks = 0")  # tables come in name order
    for table in tables:
        cursor.execute(f"SHOW CREATE TABLE `{template}`.`{table}`")
        cursor.execute(cursor.fetchone()[1])  # same-database references name no database
        copy = f"INSERT INTO `{table}` SELECT * FROM `{template}`.`{table}`"  # noqa: S608 (our names)
        cursor.execute(copy)
    # The triggers (openapi's grouped counts and name suffixes), after the rows: copied
    # through them, the template's rows would be counted twice.
    cursor.execute(
        "SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, "
        "ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s "
        "ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER",
        [template],
    )
    for trigger, timing, event, table, statement in cursor.fetchall():
        cursor.execute(
            f"CREATE TRIGGER `{trigger}` {timing} {event} ON `{table}` FOR EACH ROW {statement}"
        )
    connection.commit()
    connection.close()

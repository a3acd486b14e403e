"""`bmp-deploy.sh backup -o FILE` and `bmp-deploy.sh restore FILE` (local runtime).

One archive (tar.gz, mode 0600: it holds the secrets) with:

- ``bmp-backup.json``: format, time, database kind, code revision;
- ``database.sqlite3`` (SQLite's online backup: a consistent copy while the services write) or
  ``database.sql`` (mysqldump ``--single-transaction``: one consistent snapshot, no lock);
- ``data/``: ``BMP_DATA_DIR`` (credentials, the gateway's CA, images, monitoring data...) without
  what is not state: the SQLite files (dumped above), the private redis (queues, sessions and the
  flight recorder, which the database's outbox makes up for) and the TFTP root (copied from
  Debian's ipxe at each start);
- ``secrets.env`` and ``runtime.env`` from ``BMP_VAR_DIR``: without the encryption key the
  database's stored secrets cannot be read.

bmp-deploy.sh refuses to restore while its supervisor runs; this module checks the archive
completely before it changes anything, and moves the data it replaces aside instead of deleting it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import closing
from pathlib import Path

from bmp_common.env import database_config

FORMAT = 1
MANIFEST = "bmp-backup.json"
# Kept out of data/: not state (see the module docstring).
NOT_STATE = ("redis", "tftp")
VAR_FILES = ("secrets.env", "runtime.env")
# How this host reaches its servers: kept from the host's own secrets.env when the archive's
# goes in, so a backup restores on a host whose database or broker password differs.
CONNECTION_KEYS = (
    "BMP_DB_PASSWORD",
    "BMP_MQ_PASSWORD",
    "BMP_REDIS_PASSWORD",
    "BMP_DATABASE_URL",
    "BMP_BROKER_URL",
    "BMP_REDIS_URL",
)


class BackupError(Exception):
    """A refusal with the reason the operator reads."""


def _dirs() -> tuple[Path, Path]:
    var = Path(os.environ["BMP_VAR_DIR"])
    return var, Path(os.environ.get("BMP_DATA_DIR") or var / "data")


def _kind(database: dict) -> str:
    return "sqlite" if database["ENGINE"].endswith("sqlite3") else "mysql"


def _sqlite_files(database: dict) -> set[str]:
    name = Path(database["NAME"]).name
    return {name, f"{name}-wal", f"{name}-shm", f"{name}-journal"}


def _mysql_client(database: dict, folder: Path) -> list[str]:
    """The client's connection options in a 0600 file: the password never goes on argv."""
    options = folder / "client.cnf"
    options.write_text(
        "[client]\n"
        f"host={database['HOST']}\nport={database['PORT']}\n"
        f"user={database['USER']}\npassword={database['PASSWORD']}\n"
        "default-character-set=utf8mb4\n"
    )
    options.chmod(0o600)
    return [f"--defaults-extra-file={options}"]


def _tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise BackupError(f"{names[0]} is not installed (Debian: apt-get install default-mysql-client)")


def _revision(root: Path) -> str:
    try:
        return subprocess.run(  # noqa: S603
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ""


def backup(out: Path, root: Path) -> str:
    var, data = _dirs()
    database = database_config()
    kind = _kind(database)
    if out.exists():
        raise BackupError(f"{out} exists: name another file")
    var.mkdir(parents=True, exist_ok=True)
    # The staging folder is in var/ (beside the data, never inside it): the dump can be large.
    with tempfile.TemporaryDirectory(dir=var, prefix=".backup.") as work:
        stage = Path(work)
        if kind == "sqlite":
            source = Path(database["NAME"])
            if not source.is_file():
                raise BackupError(f"no database at {source}: nothing to back up")
            dump = stage / "database.sqlite3"
            with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(dump)) as dst:
                src.backup(dst)
        else:
            dump = stage / "database.sql"
            command = [_tool("mysqldump", "mariadb-dump"), *_mysql_client(database, stage)]
            command += ["--single-transaction", "--quick", "--triggers",
                        "--no-tablespaces", "--hex-blob", database["NAME"]]  # fmt: skip
            with dump.open("wb") as sink:
                done = subprocess.run(command, stdout=sink, stderr=subprocess.PIPE, check=False)  # noqa: S603
            if done.returncode:
                reason = done.stderr.decode(errors="replace").strip()
                raise BackupError(f"mysqldump failed: {reason}")
        manifest = {
            "format": FORMAT,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "database": kind,
            "revision": _revision(root),
        }
        skipped = set(NOT_STATE) | (_sqlite_files(database) if kind == "sqlite" else set())
        part = out.with_name(f".{out.name}.part")
        with tarfile.open(part, "w:gz") as archive:
            (stage / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
            archive.add(stage / MANIFEST, MANIFEST)
            archive.add(dump, dump.name)
            if data.is_dir():
                archive.add(data, "data", recursive=False)
                for entry in sorted(data.iterdir()):
                    if entry.name not in skipped:
                        _add_tree(archive, entry, f"data/{entry.name}")
            for name in VAR_FILES:
                if (var / name).is_file():
                    archive.add(var / name, name)
        part.chmod(0o600)
        part.rename(out)
    size = out.stat().st_size / 1048576
    return f"backup written: {out} ({size:.1f} MiB; database: {kind}, data, secrets)"


def _add_tree(archive: tarfile.TarFile, path: Path, name: str) -> None:
    """Adds path and what is under it; a file that vanishes meanwhile (Prometheus compacting
    its blocks while the platform runs) is left out instead of failing the backup."""
    try:
        archive.add(path, name, recursive=False)
    except FileNotFoundError:
        return
    if path.is_dir() and not path.is_symlink():
        for entry in sorted(path.iterdir()):
            _add_tree(archive, entry, f"{name}/{entry.name}")


def _safe_members(archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for member in archive.getmembers():
        name = member.name
        if name.startswith("/") or ".." in Path(name).parts:
            raise BackupError(f"archive member {name!r} points outside the archive: refused")
        members[name] = member
    return members


def restore(source: Path) -> str:
    var, data = _dirs()
    database = database_config()
    kind = _kind(database)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    with tarfile.open(source, "r:gz") as archive:
        members = _safe_members(archive)
        if MANIFEST not in members:
            raise BackupError(f"{source} is not a BMP backup (no {MANIFEST})")
        manifest = json.load(archive.extractfile(members[MANIFEST]))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"backup format {manifest.get('format')} is not {FORMAT}")
        if manifest.get("database") != kind:
            raise BackupError(
                f"the backup holds a {manifest.get('database')} database and this platform is "
                f"configured for {kind} (.env): restore it where the same database is configured"
            )
        dump_name = "database.sqlite3" if kind == "sqlite" else "database.sql"
        if dump_name not in members:
            raise BackupError(f"{source} has no {dump_name}")
        var.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(dir=var, prefix=".restore."))
        try:
            archive.extractall(stage, filter="data")
            _restore_database(database, kind, stage / dump_name)
            aside = _restore_files(stage, var, data, database, kind)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return (
        f"restored the backup of {manifest['created']} ({kind} database, data, secrets)"
        + (f"; what it replaced is in {aside}" if aside else "")
        + ": ./bmp-deploy.sh start all migrates it to this code and starts the platform"
    )


def _restore_database(database: dict, kind: str, dump: Path) -> None:
    if kind == "sqlite":
        # Checked before the files move: a truncated copy would open but fail here.
        with closing(sqlite3.connect(dump)) as check:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("the database in the backup fails SQLite's integrity check")
        return  # moved into place with the files (_restore_files)
    client = [_tool("mysql", "mariadb"), *_mysql_client(database, dump.parent)]
    listed = subprocess.run(  # noqa: S603
        [*client, "-N", "-B", "-e",
         "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()",
         database["NAME"]],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if listed.returncode:
        raise BackupError(f"cannot reach the database: {listed.stderr.strip()}")
    # Tables a later migration made would survive the dump's DROP TABLE IF EXISTS: drop all.
    tables = [name for name in listed.stdout.split() if name]
    script = dump.with_name("restore.sql")
    with script.open("w") as sql:
        sql.write("SET FOREIGN_KEY_CHECKS=0;\n")
        if tables:
            sql.write("DROP TABLE IF EXISTS " + ", ".join(f"`{t}`" for t in tables) + ";\n")
    with script.open("ab") as sql, dump.open("rb") as body:
        shutil.copyfileobj(body, sql)
    with script.open("rb") as feed:
        loaded = subprocess.run(  # noqa: S603
            [*client, database["NAME"]], stdin=feed, capture_output=True, check=False
        )
    if loaded.returncode:
        raise BackupError(
            f"loading the dump failed: {loaded.stderr.decode(errors='replace').strip()} "
            "(the database is partly restored: fix the cause and restore again)"
        )


def _restore_files(stage: Path, var: Path, data: Path, database: dict, kind: str) -> Path | None:
    """Swaps the archive's files in; what they replace goes to var/restore-previous-<time>/."""
    keep = set(NOT_STATE)
    aside = var / f"restore-previous-{time.strftime('%Y%m%d-%H%M%S')}"
    moved = False

    def move_aside(path: Path, name: str) -> None:
        nonlocal moved
        (aside / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(aside / name))
        moved = True

    data.mkdir(parents=True, exist_ok=True)
    sqlite_names = _sqlite_files(database) if kind == "sqlite" else set()
    for entry in list(data.iterdir()):
        if entry.name not in keep:
            move_aside(entry, entry.name if entry.name in sqlite_names else f"data/{entry.name}")
    restored = stage / "data"
    if restored.is_dir():
        for entry in restored.iterdir():
            shutil.move(str(entry), str(data / entry.name))
    if kind == "sqlite":
        target = Path(database["NAME"])
        for name in _sqlite_files(database):
            if (target.parent / name).exists():
                move_aside(target.parent / name, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(stage / "database.sqlite3"), str(target))
    here = _connection_lines(var / "secrets.env")
    for name in VAR_FILES:
        if (var / name).exists():
            move_aside(var / name, name)
        if (stage / name).is_file():
            shutil.move(str(stage / name), str(var / name))
            (var / name).chmod(0o600)
    if here:
        secrets = var / "secrets.env"
        kept = [line for line in _lines(secrets) if line.split("=", 1)[0] not in CONNECTION_KEYS]
        secrets.write_text("".join(f"{line}\n" for line in [*kept, *here]))
        secrets.chmod(0o600)
    return aside if moved else None


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.is_file() else []


def _connection_lines(path: Path) -> list[str]:
    return [line for line in _lines(path) if line.split("=", 1)[0] in CONNECTION_KEYS]


def main() -> int:
    parser = argparse.ArgumentParser(prog="bmp-deploy.sh backup|restore")
    sub = parser.add_subparsers(dest="command", required=True)
    made = sub.add_parser("backup")
    made.add_argument("-o", "--output", required=True, type=Path)
    made.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    taken = sub.add_parser("restore")
    taken.add_argument("file", type=Path)
    args = parser.parse_args()
    try:
        if args.command == "backup":
            print(backup(args.output.resolve(), args.root))
        else:
            print(restore(args.file.resolve()))
    except BackupError as error:
        print(f"bmp-deploy.sh {args.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

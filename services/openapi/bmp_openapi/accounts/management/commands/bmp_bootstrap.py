"""First-start setup: the admin user and its API key, written to a 0600 credentials file."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand

from bmp_common import env
from bmp_openapi.accounts.services import admin_bootstrap


def credentials_path() -> Path:
    return Path(env.env_str("BMP_CREDENTIALS_FILE", str(env.data_dir() / "credentials")))


def write_credentials(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start: the secret never sits in a world-readable file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)


class Command(BaseCommand):
    help = "Create the admin user and API key at first start (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--print-credentials",
            action="store_true",
            help="print the new credentials once on stdout (never use where stdout is a log)",
        )

    def handle(self, *args, print_credentials=False, **options):
        created = admin_bootstrap(password=env.env_str("BMP_ADMIN_PASSWORD"))
        path = credentials_path()
        if created is None:
            self.stdout.write(f"admin already exists; its credentials file is {path}")
            return
        lines = [
            f"BMP_ADMIN_USER={created.user_name}",
            f"BMP_ADMIN_PASSWORD={created.password}",
            f"BMP_ADMIN_API_KEY={created.api_key}",
        ]
        write_credentials(path, lines)
        self.stdout.write(f"admin user and API key created; saved to {path} (mode 0600)")
        if print_credentials:
            self.stdout.write("They are shown this once:\n" + "\n".join(lines))

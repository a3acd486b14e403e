"""First-start setup: the admin user and its API key, written to a 0600 credentials file, the
BFFs' ``system`` key, written alone to its own 0600 file (the consoles' BFFs read it), and
pronoea's ``alert`` key, likewise (in-band monitoring's webhook)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand

from bmp_common import env
from bmp_openapi.accounts.services import admin_bootstrap, bff_key_ensure
from bmp_openapi.monitoring.services import alert_key_ensure


def credentials_path() -> Path:
    return Path(env.env_str("BMP_CREDENTIALS_FILE", str(env.data_dir() / "credentials")))


def system_key_path() -> Path:
    return Path(env.env_str("BMP_SYSTEM_API_KEY_FILE", str(env.data_dir() / "system-api-key")))


def alert_key_path() -> Path:
    return Path(env.env_str("BMP_ALERT_API_KEY_FILE", str(env.data_dir() / "alert-api-key")))


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
        self._admin(print_credentials)
        self._system_key()
        self._alert_key()

    def _alert_key(self):
        path = alert_key_path()
        current = path.read_text().strip() if path.exists() else ""
        token = alert_key_ensure(current_token=current)
        if token is None:
            return
        write_credentials(path, [token])
        self.stdout.write(f"alert API key for pronoea created; saved to {path} (mode 0600)")

    def _system_key(self):
        path = system_key_path()
        current = path.read_text().strip() if path.exists() else ""
        token = bff_key_ensure(current_token=current)
        if token is None:
            return
        write_credentials(path, [token])
        self.stdout.write(f"system API key for the BFFs created; saved to {path} (mode 0600)")

    def _admin(self, print_credentials):
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

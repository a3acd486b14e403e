"""Key rotation: every stored secret re-encrypted with the first ``BMP_ENCRYPTION_KEY``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bmp_common.rotation import rotate_stored_secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of BMP_ENCRYPTION_KEY; run after "
        "putting a new key first, before removing the old one."
    )

    def handle(self, *args, **options):
        report = rotate_stored_secrets()
        self.stdout.write(f"{report.rotated} secret(s) re-encrypted with the first key")
        if report.unreadable:
            raise CommandError(
                f"{len(report.unreadable)} secret(s) no configured key decrypts, left as they "
                f"are (first: {report.unreadable[0]}); keep the key they need before retrying"
            )

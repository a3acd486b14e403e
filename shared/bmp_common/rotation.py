"""Re-encrypting every stored secret with the first ``BMP_ENCRYPTION_KEY`` (key rotation).

A secret is stored in a text column whose name ends in ``_encrypted``, or under such a key
inside a JSON column (a job's submitted node facts, a step's params). Both are found by name in
every model of the running project, so a new secret column needs no change here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from bmp_common.crypto import SecretDecryptionError, reencrypt_secret

log = logging.getLogger(__name__)

SUFFIX = "_encrypted"


@dataclass
class RotationReport:
    rotated: int = 0
    # "<table>.<column>#<pk>": secrets no configured key decrypts (left as they are).
    unreadable: list[str] = field(default_factory=list)


def _secret_columns(model: type[models.Model]) -> tuple[list[str], list[str]]:
    text, json = [], []
    for column in model._meta.concrete_fields:
        if isinstance(column, models.JSONField):
            json.append(column.name)
        elif isinstance(column, models.TextField | models.CharField) and column.name.endswith(
            SUFFIX
        ):
            text.append(column.name)
    return text, json


def _rotate_json(value, where: str, report: RotationReport):
    """``value`` with every ``*_encrypted`` string inside it re-encrypted."""
    if isinstance(value, list):
        return [_rotate_json(item, where, report) for item in value]
    if not isinstance(value, dict):
        return value
    rotated = {}
    for key, item in value.items():
        if isinstance(key, str) and key.endswith(SUFFIX) and isinstance(item, str) and item:
            rotated[key] = _rotate_text(item, f"{where}.{key}", report)
        else:
            rotated[key] = _rotate_json(item, where, report)
    return rotated


def _rotate_text(ciphertext: str, where: str, report: RotationReport) -> str:
    try:
        fresh = reencrypt_secret(ciphertext)
    except SecretDecryptionError:
        report.unreadable.append(where)
        return ciphertext
    report.rotated += 1
    return fresh


def rotate_stored_secrets(*, batch_size: int = 500) -> RotationReport:
    """Re-encrypt every stored secret of this project's models with the first key, a batch of
    rows per transaction (rows locked, so a concurrent write is not overwritten)."""
    report = RotationReport()
    for model in apps.get_models():
        text, json = _secret_columns(model)
        if not text and not json:
            continue
        columns = text + json
        last_pk = None
        while True:
            with transaction.atomic():
                rows = model._base_manager.select_for_update().order_by("pk").only(*columns)
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows[:batch_size])
                for row in batch:
                    where = f"{model._meta.db_table}#{row.pk}"
                    before = report.rotated
                    for name in text:
                        value = getattr(row, name)
                        if value:
                            setattr(row, name, _rotate_text(value, f"{where}.{name}", report))
                    for name in json:
                        setattr(row, name, _rotate_json(getattr(row, name), where, report))
                    if report.rotated != before:
                        row.save(update_fields=columns)
            if len(batch) < batch_size:
                break
            last_pk = batch[-1].pk
    for where in report.unreadable:
        log.error("secret at %s cannot be decrypted with the configured keys: left as it is", where)
    return report


class RotateSecretsCommand(BaseCommand):
    """``bmp_rotate_secrets``: the same command in every project that stores secrets."""

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

"""Model bases shared by openapi's apps."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class LiveManager(models.Manager):
    """Rows not soft-deleted: what every query means unless it says ``all_objects``."""

    def get_queryset(self):
        return super().get_queryset().filter(delete_marker=0)


class SoftDeleteModel(models.Model):
    """Upstream's conventions: public id column, who/when columns, soft delete.

    Deleted rows keep their data and get ``delete_marker = pk``; live rows have 0. Unique
    constraints include ``delete_marker``, so a name is unique among live rows on every
    database (MySQL has no partial unique indexes).
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.CharField(max_length=64, blank=True, default="")
    updated_by = models.CharField(max_length=64, blank=True, default="")
    deleted_at = models.DateTimeField(null=True, blank=True)
    delete_marker = models.BigIntegerField(default=0, db_index=True)

    objects = LiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (a manager, not a field)

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    def mark_deleted(self, *, actor: str) -> None:
        self.deleted_at = timezone.now()
        self.delete_marker = self.pk
        self.updated_by = actor
        self.save(update_fields=["deleted_at", "delete_marker", "updated_by", "updated_at"])

"""Reads of the inbox. Every message read is scoped to its user: others' ids do not exist."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldError
from django.db.models import Count, Q, QuerySet

from bmp_common.errors import BmpError
from bmp_common.i18n import EN_US
from bmp_openapi.inbox.choices import MESSAGE_TYPES, value_of
from bmp_openapi.inbox.error_codes import MESSAGE_NOT_FOUND
from bmp_openapi.inbox.models import MailSettings, Message


def message_list(*, user, filters: dict) -> QuerySet[Message]:
    """The caller's messages, newest first. Type filters take values or display names."""
    queryset = Message.objects.filter(user=user).select_related("user")
    if filters.get("hasRead") in ("0", "1"):
        queryset = queryset.filter(has_read=filters["hasRead"] == "1")
    if filters.get("messageType"):
        queryset = queryset.filter(message_type=value_of(filters["messageType"]))
    sub_types = [value_of(item.strip()) for item in filters.get("messageSubType", "").split(",")]
    if any(sub_types):
        queryset = queryset.filter(message_sub_type__in=[item for item in sub_types if item])
    if filters.get("detail"):
        queryset = queryset.filter(detail__icontains=filters["detail"])
    return queryset


def message_get(*, user, message_id: str) -> Message:
    message = Message.objects.select_related("user").filter(user=user, message_id=message_id)
    found = message.first()
    if found is None:
        raise BmpError(MESSAGE_NOT_FOUND, message_id=message_id)
    return found


def message_neighbours(*, message: Message) -> tuple[str, str]:
    """(next, previous) message ids of the same inbox: the next newer and the next older."""
    inbox = Message.objects.filter(user_id=message.user_id).values_list("message_id", flat=True)
    newer = inbox.filter(id__gt=message.id).order_by("id").first()
    older = inbox.filter(id__lt=message.id).order_by("-id").first()
    return newer or "", older or ""


def message_has_unread(*, user) -> bool:
    return Message.objects.filter(user=user, has_read=False).exists()


def message_statistic(*, user) -> dict:
    """Totals and unread counts of the caller's inbox, overall and per message type."""
    counts = {
        row["message_type"]: row
        for row in Message.objects.filter(user=user)
        .order_by()
        .values("message_type")
        .annotate(total=Count("id"), unread=Count("id", filter=Q(has_read=False)))
    }
    per_type = [
        {
            "message_type": message_type,
            "total": counts.get(message_type, {}).get("total", 0),
            "unread": counts.get(message_type, {}).get("unread", 0),
        }
        for message_type in MESSAGE_TYPES
    ]
    return {
        "total": sum(row["total"] for row in counts.values()),
        "unread": sum(row["unread"] for row in counts.values()),
        "per_type": per_type,
    }


def _name_of(app_label: str, model_name: str, lookup: dict, field: str) -> str:
    """A name from another app's model, or "" when that app, row or field is not there."""
    try:
        model = apps.get_model(app_label, model_name)
        return model.objects.filter(**lookup).values_list(field, flat=True).first() or ""
    except (LookupError, FieldError):
        return ""


def message_related_names(*, message: Message, language: str) -> dict:
    """The IDC and project names of what a message is about, in ``language``."""
    names = {"idc_name": "", "project_name": ""}
    if message.idc_id:
        field = "name_en" if language == EN_US else "name"
        names["idc_name"] = _name_of("idcs", "Idc", {"idc_id": message.idc_id}, field)
    if message.project_id:
        lookup = {"project_id": message.project_id}
        names["project_name"] = _name_of("projects", "Project", lookup, "project_name")
    return names


def mail_settings_get() -> MailSettings:
    """The mail settings row (the defaults, unsaved, if it was never written)."""
    found = MailSettings.objects.filter(id=MailSettings.SINGLETON_ID).first()
    return found or MailSettings(id=MailSettings.SINGLETON_ID)

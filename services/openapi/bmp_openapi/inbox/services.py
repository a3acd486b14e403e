"""Writes of the inbox: sending messages, marking and deleting them, and the mail settings."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from bmp_common import live_events
from bmp_common.api.serializers import MASK
from bmp_common.crypto import SecretDecryptionError, decrypt_secret, encrypt_secret
from bmp_common.errors import BmpError
from bmp_common.ids import new_id
from bmp_openapi.core.events import publish_live_on_commit
from bmp_openapi.inbox.choices import SUB_TYPES
from bmp_openapi.inbox.error_codes import (
    MAIL_PASSWORD_REQUIRED,
    MAIL_SERVER_NOT_ALLOWED,
    MESSAGES_NOT_FOUND,
)
from bmp_openapi.inbox.models import MailSettings, Message
from bmp_openapi.inbox.smtp import MailAccount, send_test_mail

log = logging.getLogger(__name__)

# What a message may refer to, besides its type and text (message_send's **refs).
MESSAGE_REFS = frozenset(
    {
        "detail",
        "resource_type",
        "result",
        "finish_time",
        "instance_id",
        "instance_name",
        "sn",
        "device_id",
        "idc_id",
        "project_id",
        "fault_type",
        "logid",
        "alert_time",
        "alert_count",
        "rule_id",
        "rule_name",
        "license_name",
        "license_number",
        "license_start_time",
        "license_end_time",
    }
)

# Hosts dialMail may contact when settings do not say (BMP_MAIL_ALLOWED_HOSTS, "*" for any).
DEFAULT_MAIL_ALLOWED_HOSTS = ("127.0.0.1", "::1", "localhost")
DEFAULT_MAIL_DIAL_TIMEOUT = 5.0  # seconds, per network step
MAX_IDS_IN_ERROR = 10
# How much of a message's content its live event carries: the bell's line; the whole message is
# one getMessageById away.
LIVE_SUMMARY_CHARS = 200


@transaction.atomic
def message_send(*, user, message_type: str, message_sub_type: str, content: str, **refs):
    """Puts a message in ``user``'s inbox; for other apps (task results, alerts, faults).

    Not durable: callers may send inside their own transaction, so the message exists exactly
    when what it reports was committed. ``refs`` are columns of ``Message`` (``MESSAGE_REFS``):
    ids and names of what the message is about, ``detail`` (defaults to ``content``; it is what
    the list's ``detail`` filter searches), and datetimes for the ``*_time`` columns. Texts
    longer than their column are cut, so an oversized alert is still delivered.
    """
    if message_sub_type not in SUB_TYPES.get(message_type, ()):
        raise ValueError(f"unknown message type {message_type!r} / {message_sub_type!r}")
    unknown = set(refs) - MESSAGE_REFS
    if unknown:
        raise TypeError(f"message_send() got unknown refs: {sorted(unknown)}")
    detail = refs.pop("detail", content)
    message = Message(
        message_id=new_id("m"),
        user=user,
        message_type=message_type,
        message_sub_type=message_sub_type,
        content=content,
        detail=detail,
        **refs,
    )
    for field in Message._meta.concrete_fields:
        value = getattr(message, field.attname)
        if isinstance(field, models.CharField) and isinstance(value, str):
            setattr(message, field.attname, value[: field.max_length])
    message.save()
    # The recipient's consoles learn of it once it is committed (their message bell).
    publish_live_on_commit(live_events.MESSAGE, _live_message(message), user_ids=[user.user_id])
    return message


def _live_message(message: Message) -> dict:
    """What a ``message`` live event says: no more than the recipient's inbox list shows."""
    return {
        "messageId": message.message_id,
        "userId": message.user.user_id,
        "messageType": message.message_type,
        "messageSubType": message.message_sub_type,
        "resourceType": message.resource_type,
        "result": message.result,
        "content": message.content[:LIVE_SUMMARY_CHARS],
        "instanceId": message.instance_id,
        "instanceName": message.instance_name,
        "sn": message.sn,
        "finishTime": int(message.finish_time.timestamp()) if message.finish_time else 0,
        "hasRead": False,
    }


def _own_messages_locked(*, user, message_ids: list[str]):
    """The caller's live messages among ``message_ids``, locked; 404 naming any other id."""
    wanted = list(dict.fromkeys(message_ids))
    rows = Message.objects.select_for_update().filter(user=user, message_id__in=wanted)
    found = set(rows.values_list("message_id", flat=True))
    missing = [message_id for message_id in wanted if message_id not in found]
    if missing:
        shown = missing[:MAX_IDS_IN_ERROR] + (["…"] if len(missing) > MAX_IDS_IN_ERROR else [])
        raise BmpError(MESSAGES_NOT_FOUND, message_ids=", ".join(shown))
    return Message.objects.filter(user=user, message_id__in=wanted)


@transaction.atomic(durable=True)
def messages_read(*, user, message_ids: list[str]) -> None:
    """Marks the caller's messages read: all of them, or none if any id is not theirs."""
    own = _own_messages_locked(user=user, message_ids=message_ids)
    own.update(has_read=True, updated_by=user.user_name, updated_at=timezone.now())


@transaction.atomic(durable=True)
def messages_delete(*, user, message_ids: list[str]) -> None:
    """Soft-deletes the caller's messages: all of them, or none if any id is not theirs."""
    own = _own_messages_locked(user=user, message_ids=message_ids)
    now = timezone.now()
    own.update(deleted_at=now, delete_marker=F("id"), updated_by=user.user_name, updated_at=now)


# The mail settings.


def _mail_settings_locked() -> MailSettings:
    row, _ = MailSettings.objects.select_for_update().get_or_create(id=MailSettings.SINGLETON_ID)
    return row


@transaction.atomic(durable=True)
def mail_push_save(*, is_push: bool, actor) -> None:
    row = _mail_settings_locked()
    row.is_push = is_push
    row.updated_by = actor.user_name
    row.save(update_fields=["is_push", "updated_by", "updated_at"])


def mail_host_allowed(host: str) -> bool:
    allowed = getattr(settings, "BMP_MAIL_ALLOWED_HOSTS", DEFAULT_MAIL_ALLOWED_HOSTS)
    return "*" in allowed or host.lower() in {name.lower() for name in allowed}


def _stored_password_for(*, server_addr: str, server_port: int, admin_addr: str) -> str:
    """The stored SMTP password, only for the server, port and user it was stored for.

    Anyone who may call dialMail could otherwise send the mask to a server of theirs and read
    the password off the wire: a new server, port or user needs its password typed again.
    """
    row = MailSettings.objects.filter(id=MailSettings.SINGLETON_ID).first()
    if row is None or not row.admin_pass_encrypted:
        return ""
    if (row.server_addr.lower(), row.server_port, row.admin_addr.lower()) != (
        server_addr.lower(),
        server_port,
        admin_addr.lower(),
    ):
        raise BmpError(
            MAIL_PASSWORD_REQUIRED,
            host=row.server_addr,
            port=row.server_port,
            user=row.admin_addr,
        )
    try:
        return decrypt_secret(row.admin_pass_encrypted)
    except SecretDecryptionError:
        log.warning("the stored SMTP password cannot be decrypted with the configured keys")
        return ""


def mail_dial(
    *,
    server_addr: str,
    server_port: int,
    admin_addr: str,
    admin_pass: str,
    recipients: list[str],
    actor,
) -> None:
    """Tests the mail settings by sending a test mail, saves them, then answers the test.

    As upstream, the settings are saved whether the test passed or not (``is_pass`` says
    which), so the form keeps what was typed; a failed test is then answered 400 with why.
    ``admin_pass`` equal to the mask (what mailDetail shows) keeps the stored password, for
    the stored server, port and user only (400 otherwise, before any connection).
    """
    if not mail_host_allowed(server_addr):
        raise BmpError(MAIL_SERVER_NOT_ALLOWED, host=server_addr)
    stored = ""
    if admin_pass == MASK:
        stored = _stored_password_for(
            server_addr=server_addr, server_port=server_port, admin_addr=admin_addr
        )
    keep_password = bool(stored)
    password = stored or admin_pass
    account = MailAccount(server_addr, server_port, admin_addr, password, tuple(recipients))
    timeout = getattr(settings, "BMP_MAIL_DIAL_TIMEOUT", DEFAULT_MAIL_DIAL_TIMEOUT)
    failure = send_test_mail(account, timeout=timeout)  # outside any transaction: network
    _mail_save(account, keep_password=keep_password, passed=failure is None, actor=actor)
    if failure is not None:
        log.info("dialMail %s:%s failed: %s", server_addr, server_port, failure)
        raise failure


@transaction.atomic(durable=True)
def _mail_save(account: MailAccount, *, keep_password: bool, passed: bool, actor) -> None:
    row = _mail_settings_locked()
    row.server_addr = account.server_addr
    row.server_port = account.server_port
    row.admin_addr = account.admin_addr
    if not keep_password:
        row.admin_pass_encrypted = encrypt_secret(account.admin_pass)
    row.to = ",".join(account.recipients)
    row.is_pass = passed
    row.updated_by = actor.user_name
    row.save()

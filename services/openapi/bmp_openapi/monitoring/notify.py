"""How an alert reads (its trigger in words, the message and mail text), and what leaves
openapi after a commit: alert mail, and the revocation of an agent's credential."""

from __future__ import annotations

import logging
import smtplib

import redis

from bmp_common import env
from bmp_common.crypto import SecretDecryptionError, decrypt_secret
from bmp_common.i18n import EN_US, ZH_CN
from bmp_common.monitoring import AGENT_REVOKED_CHANNEL
from bmp_openapi.inbox.choices import NAMES as INBOX_NAMES
from bmp_openapi.inbox.smtp import MailAccount, send_mail
from bmp_openapi.monitoring import choices

log = logging.getLogger(__name__)
MAIL_TIMEOUT_S = 5.0


def _number(value) -> str:
    value = float(value)
    return str(int(value)) if value == int(value) else f"{value:.2f}"


def trigger_description(trigger: dict, language: str) -> str:
    """Upstream's words for a trigger: "static period 5minutes CPU Usage Avg > 80% continue
    1periods" / "统计周期 5分钟 CPU使用率 平均值 > 80% 持续 1个周期"."""
    metric = INBOX_NAMES.get(trigger.get("metric", ""), {}).get(language, trigger.get("metric"))
    calculation = choices.name_of("calculation", trigger.get("calculation"), language)
    operation = trigger.get("operation", "")
    operation = choices.OPERATIONS.get(operation, operation)
    threshold = _number(trigger.get("threshold", 0)) + (trigger.get("calculationUnit") or "")
    period, times = trigger.get("period", 0), trigger.get("times", 0)
    if language == ZH_CN:
        return (
            f"统计周期 {period}分钟 {metric} {calculation} {operation} {threshold} "
            f"持续 {times}个周期"
        )
    return (
        f"static period {period}minutes {metric} {calculation} {operation} {threshold} "
        f"continue {times}periods"
    )


def alert_text(alert, language: str) -> str:
    trigger = trigger_description(alert.trigger, language)
    value = f"{alert.alert_value}{alert.calculation_unit}"
    if language == ZH_CN:
        text = f"触发规则:{trigger}, 告警值:{value}, 告警持续时间:{alert.alert_period}分钟"
        return f"【恢复】{text}" if alert.is_recover else text
    text = (
        f"trigger condition:{trigger}, alert value:{value}, "
        f"alert continue time:{alert.alert_period}minutes"
    )
    return f"[recovered] {text}" if alert.is_recover else text


def alert_subject(alert, language: str) -> str:
    kind = INBOX_NAMES["inbond-alert"][language if language in (EN_US, ZH_CN) else EN_US]
    metric = INBOX_NAMES.get(alert.trigger.get("metric", ""), {}).get(language, "")
    subject = f"{kind}-{metric}"
    if alert.is_recover:
        subject += "-恢复" if language == ZH_CN else "-recovered"
    return subject


def mail(*, to: str, subject: str, body: str) -> None:
    """Sends an alert mail with the platform's mail settings, after the commit; a failure is
    logged (the in-site message, if asked for, is already there). It goes the way dialMail's
    test mail went (``inbox.smtp``: TLS when offered, the password over TLS or to this machine
    only, the login's fallback to the address's local part)."""
    from bmp_openapi.inbox.models import MailSettings

    row = MailSettings.objects.filter(id=MailSettings.SINGLETON_ID).first()
    if row is None or not row.is_push or not row.server_addr or not row.server_port:
        log.info("alert mail to %s not sent: mail is not set up or not pushed", to)
        return
    try:
        password = decrypt_secret(row.admin_pass_encrypted) if row.admin_pass_encrypted else ""
    except SecretDecryptionError:
        password = ""
    account = MailAccount(row.server_addr, row.server_port, row.admin_addr, password, (to,))
    try:
        send_mail(account, subject=subject, body=body, timeout=MAIL_TIMEOUT_S)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("alert mail to %s not sent: %s", to, type(exc).__name__)


def agent_revoked(instance_id: str, sn: str) -> None:
    """Tells the monitor-proxies to forget what they cached for this agent."""
    try:
        client = redis.Redis.from_url(
            env.redis_url(env.REDIS_DB_MONITOR), socket_connect_timeout=2, socket_timeout=2
        )
        client.publish(AGENT_REVOKED_CHANNEL, f"{instance_id} {sn}")
        client.close()
    except redis.RedisError as exc:
        log.warning("revocation of %s not published: %s", instance_id, type(exc).__name__)

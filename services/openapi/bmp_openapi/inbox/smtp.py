"""Sending dialMail's test mail: the only place openapi talks SMTP.

Runs outside any database transaction (it waits on the network). Certificates are verified
(upstream skipped verification), and the password is only sent over TLS or to this machine.
Failures come back as the catalogue error the caller raises, with a reason an operator can act
on; the password never appears in one.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bmp_common.errors import BmpError
from bmp_openapi.inbox import error_codes

SMTPS_PORT = 465  # TLS from the first byte; other ports upgrade with STARTTLS when offered

TEST_SUBJECT = "BMP: mail settings test / 邮件设置测试"
TEST_BODY = (
    "This mail was sent by the bare-metal platform to test its mail settings.\n"
    "这封邮件由裸金属管理平台发送，用于测试邮件设置。\n"
)


@dataclass(frozen=True)
class MailAccount:
    server_addr: str
    server_port: int
    admin_addr: str
    admin_pass: str
    recipients: tuple[str, ...]


def _test_mail(account: MailAccount) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = account.admin_addr
    mail["To"] = ", ".join(account.recipients)
    mail["Subject"] = TEST_SUBJECT
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=account.admin_addr.rsplit("@", 1)[-1])
    mail.set_content(TEST_BODY)
    return mail


class _NoTls(smtplib.SMTPException):
    """The server wants the password but offers no TLS to send it over (an SMTP error to
    callers of ``send_mail``)."""


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def _login(smtp: smtplib.SMTP, account: MailAccount) -> None:
    """The full address first; then its local part, which upstream used and some servers want."""
    try:
        smtp.login(account.admin_addr, account.admin_pass)
    except smtplib.SMTPAuthenticationError:
        local_part = account.admin_addr.split("@", 1)[0]
        if local_part == account.admin_addr:
            raise
        smtp.login(local_part, account.admin_pass)


def _send(account: MailAccount, timeout: float, mail: EmailMessage | None = None) -> None:
    host, port = account.server_addr, account.server_port
    context = ssl.create_default_context()
    if port == SMTPS_PORT:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        smtp.ehlo()
        encrypted = port == SMTPS_PORT
        if not encrypted and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
            encrypted = True
        if smtp.has_extn("auth"):
            if not encrypted and not _is_loopback(host):
                raise _NoTls()
            _login(smtp, account)
        refused = smtp.send_message(mail or _test_mail(account))
        if refused:  # some recipients taken, some not: the settings are still wrong
            raise smtplib.SMTPRecipientsRefused(refused)


def _reply_text(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{exc.smtp_code} {text}"[:200]


def send_test_mail(account: MailAccount, *, timeout: float) -> BmpError | None:
    """Sends the test mail; None when the server took it, else why not."""
    where = {"host": account.server_addr, "port": account.server_port}
    try:
        _send(account, timeout)
    except _NoTls:
        return BmpError(error_codes.MAIL_TLS_MISSING, **where)
    except socket.gaierror:
        return BmpError(error_codes.MAIL_UNKNOWN_HOST, host=account.server_addr)
    except ConnectionRefusedError:
        return BmpError(error_codes.MAIL_REFUSED, **where)
    except TimeoutError:
        return BmpError(error_codes.MAIL_TIMEOUT, seconds=f"{timeout:g}", **where)
    except ssl.SSLError as exc:
        return BmpError(error_codes.MAIL_TLS_FAILED, detail=exc.reason or str(exc), **where)
    except smtplib.SMTPAuthenticationError:
        return BmpError(error_codes.MAIL_AUTH_FAILED, user=account.admin_addr)
    except smtplib.SMTPSenderRefused:
        return BmpError(error_codes.MAIL_SENDER_REFUSED, sender=account.admin_addr)
    except smtplib.SMTPRecipientsRefused as exc:
        return BmpError(error_codes.MAIL_RECIPIENTS_REFUSED, recipients=", ".join(exc.recipients))
    except smtplib.SMTPServerDisconnected as exc:  # smtplib's word for a failed read too
        if isinstance(exc.__context__, TimeoutError):
            return BmpError(error_codes.MAIL_TIMEOUT, seconds=f"{timeout:g}", **where)
        return BmpError(error_codes.MAIL_DISCONNECTED, **where)
    except smtplib.SMTPResponseException as exc:
        return BmpError(error_codes.MAIL_SMTP_ERROR, detail=_reply_text(exc), **where)
    except smtplib.SMTPException as exc:  # e.g. no AUTH mechanism in common
        return BmpError(error_codes.MAIL_SMTP_ERROR, detail=str(exc)[:200] or "no answer", **where)
    except OSError as exc:
        return BmpError(error_codes.MAIL_UNREACHABLE, detail=exc.strerror or str(exc), **where)
    return None


def send_mail(account: MailAccount, *, subject: str, body: str, timeout: float) -> None:
    """Sends one plain-text mail to the account's recipients (alerts); raises on failure."""
    mail = EmailMessage()
    mail["From"] = account.admin_addr
    mail["To"] = ", ".join(account.recipients)
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=account.admin_addr.rsplit("@", 1)[-1])
    mail.set_content(body)
    _send(account, timeout, mail)

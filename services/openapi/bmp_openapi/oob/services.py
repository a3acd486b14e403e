"""Writes of out-of-band monitoring: oob-alert reports a device's health and its new faults.

oob-alert owns the fault log; openapi owns the users, the inboxes and the mail settings, so
the in-site messages and the mails leave from here (no copy of the SMTP password elsewhere).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from bmp_common.crypto import SecretDecryptionError, decrypt_secret
from bmp_common.errors import BmpError
from bmp_openapi.accounts.choices import ROLE_ADMIN, ROLE_OPERATOR
from bmp_openapi.accounts.models import User
from bmp_openapi.devices.models import Device
from bmp_openapi.inbox.choices import OOB_MONITOR
from bmp_openapi.inbox.models import MailSettings
from bmp_openapi.inbox.services import message_send
from bmp_openapi.inbox.smtp import MailAccount, send_mail
from bmp_openapi.instances.models import Instance
from bmp_openapi.oob.error_codes import OOB_DEVICE_NOT_FOUND
from bmp_openapi.oob.models import COMPONENTS, DeviceHealth

log = logging.getLogger(__name__)


@transaction.atomic(durable=True)
def health_set(*, device_id: str, health: dict[str, str]) -> None:
    values = {name: health[name] for name in COMPONENTS if name in health}
    DeviceHealth.objects.update_or_create(device_id=device_id, defaults=values)


def health_forget(*, device_id: str) -> None:
    """A deleted device's summary goes with it (oob-alert drops its faults at its next report
    of the IDC, where the device no longer is)."""
    DeviceHealth.objects.filter(device_id=device_id).delete()


def _recipients(device) -> list[User]:
    staff = list(User.objects.filter(role__role_id__in=(ROLE_ADMIN, ROLE_OPERATOR)).order_by("id"))
    owner = User.objects.filter(user_id=device.user_id).first() if device.user_id else None
    if owner is not None and owner.pk not in {user.pk for user in staff}:
        staff.insert(0, owner)
    return staff


@transaction.atomic(durable=True)
def notices_send(*, device_id: str, faults: list[dict]) -> int:
    """One ``oob-monitor`` message per recipient (the device's owner, every operator and
    admin) for this report's new faults, then one mail per fault whose rule pushes mail.
    Returns the number of messages."""
    device = Device.objects.select_related("idc").filter(device_id=device_id).first()
    if device is None:
        raise BmpError(OOB_DEVICE_NOT_FOUND, device_id=device_id)
    first = faults[0]
    lines = [f"[{f['level']}] {f['faultType']} {f['alertName']}: {f['content']}" for f in faults]
    instance = (
        Instance.objects.filter(instance_id=device.instance_id).first()
        if device.instance_id
        else None
    )
    instance_name = instance.instance_name if instance is not None else ""
    label = f"{instance_name}/{device.sn}" if instance_name else device.sn
    sent = 0
    for user in _recipients(device):
        message_send(
            user=user,
            message_type=OOB_MONITOR,
            message_sub_type=first["faultType"],
            content="\n".join(lines),
            detail=label,
            resource_type="oob-alert-log",
            sn=device.sn,
            device_id=device.device_id,
            idc_id=device.idc.idc_id,
            instance_id=device.instance_id,
            instance_name=instance_name,
            fault_type=first["faultType"],
            logid=",".join(str(f["logid"]) for f in faults),
            alert_time=first["alertTime"],
            alert_count=sum(int(f.get("alertCount") or 1) for f in faults),
        )
        sent += 1
    pushed = [f for f in faults if f.get("push")]
    if pushed:
        transaction.on_commit(lambda: _mail(device.sn, pushed))
    return sent


def _mail(sn: str, faults: list[dict]) -> None:
    row = MailSettings.objects.filter(id=MailSettings.SINGLETON_ID).first()
    if row is None or not row.is_push or not row.server_addr or not row.to:
        return
    try:
        password = decrypt_secret(row.admin_pass_encrypted) if row.admin_pass_encrypted else ""
    except SecretDecryptionError:
        log.warning("the stored SMTP password cannot be decrypted: no fault mail sent")
        return
    account = MailAccount(
        row.server_addr, row.server_port or 25, row.admin_addr, password, tuple(row.to.split(","))
    )
    timeout = getattr(settings, "BMP_MAIL_DIAL_TIMEOUT", 5)
    for fault in faults:
        subject = (
            f"故障消息-【{fault['faultType']}】提醒 / Hardware fault: {fault['alertName']} ({sn})"
        )
        body = (
            f"SN: {sn}\nFault: {fault['alertName']} ({fault['level']})\n"
            f"Type: {fault['faultType']}\nRecord: {fault['content']}\n"
            f"Time: {fault['alertTime'].isoformat()}\n"
        )
        try:
            send_mail(account, subject=subject, body=body, timeout=timeout)
        except Exception as exc:  # a mail server down must not lose the messages
            log.warning("fault mail for %s not sent: %s", sn, exc)

from django.db import models
from django.db.models import Q
from django.utils import timezone

from bmp_openapi.core.models import SoftDeleteModel


class Message(SoftDeleteModel):
    """A notice in one user's in-site inbox (upstream's ``web_message``).

    The platform writes messages (``services.message_send``); their user reads, marks and
    deletes them. Type-specific columns stay empty where they do not apply.
    """

    message_id = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="messages")
    message_type = models.CharField(max_length=32)
    message_sub_type = models.CharField(max_length=64)
    resource_type = models.CharField(max_length=32, blank=True, default="")  # instance|device|...
    result = models.CharField(max_length=16, blank=True, default="")  # succ|fail
    finish_time = models.DateTimeField(default=timezone.now)  # when the reported event ended
    has_read = models.BooleanField(default=False)
    detail = models.CharField(max_length=4096, blank=True, default="")
    content = models.CharField(max_length=4096, blank=True, default="")
    # What the message is about, as it was when it was sent.
    instance_id = models.CharField(max_length=64, blank=True, default="")
    instance_name = models.CharField(max_length=128, blank=True, default="")
    sn = models.CharField(max_length=64, blank=True, default="")
    device_id = models.CharField(max_length=64, blank=True, default="")
    idc_id = models.CharField(max_length=64, blank=True, default="")
    project_id = models.CharField(max_length=64, blank=True, default="")
    # Out-of-band faults.
    fault_type = models.CharField(max_length=64, blank=True, default="")
    logid = models.CharField(max_length=256, blank=True, default="")
    alert_time = models.DateTimeField(null=True, blank=True)
    alert_count = models.PositiveIntegerField(default=0)
    # In-band alerts.
    rule_id = models.CharField(max_length=64, blank=True, default="")
    rule_name = models.CharField(max_length=128, blank=True, default="")
    # Licence notices.
    license_name = models.CharField(max_length=64, blank=True, default="")
    license_number = models.CharField(max_length=64, blank=True, default="")
    license_start_time = models.DateTimeField(null=True, blank=True)
    license_end_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "web_message"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "delete_marker", "has_read"], name="web_message_inbox"),
        ]

    def __str__(self):
        return self.message_id


class MailSettings(models.Model):
    """The SMTP account alert mails are sent with (upstream's ``mail_message``): one row."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID)
    server_addr = models.CharField(max_length=253, blank=True, default="")
    server_port = models.PositiveIntegerField(null=True, blank=True)
    admin_addr = models.CharField(max_length=255, blank=True, default="")
    admin_pass_encrypted = models.TextField(blank=True, default="")
    to = models.CharField(max_length=1024, blank=True, default="")
    is_push = models.BooleanField(default=True)
    # Whether the last dialMail reached the server with these settings; None: never tested.
    is_pass = models.BooleanField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "mail_message"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="mail_message_single_row"),
        ]

    def __str__(self):
        return f"{self.admin_addr}@{self.server_addr}:{self.server_port}"

from django.db import models


class FaultRule(models.Model):
    """A SEL rule (upstream's ``cps_fault_rules``): the 29 seeded ones, switched on, off and
    mail-pushed by operators, and reset to their defaults."""

    id = models.PositiveIntegerField(primary_key=True)  # upstream's ids, 1..29
    name = models.CharField(max_length=64, unique=True)
    parts = models.CharField(max_length=16)  # the component, in Chinese as upstream
    fault_type = models.CharField(max_length=16)  # the in-site message's sub type
    condition = models.CharField(max_length=32)  # prefix of the sensor column
    threshold = models.CharField(max_length=64)  # prefix of "event | direction"
    level = models.CharField(max_length=16)
    desc = models.CharField(max_length=160)
    is_push = models.BooleanField(default=False)
    is_use = models.BooleanField(default=False)
    is_default_push = models.BooleanField(default=False)
    is_default_use = models.BooleanField(default=False)
    owned = models.CharField(max_length=12)  # cpu, mem, disk, nic, power, other
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "oob_fault_rule"
        ordering = ["id"]

    def __str__(self):
        return self.name


class MonitoredDevice(models.Model):
    """A device oob-agent reads, as openapi described it at the last report, and the agent's
    cursor in its SEL: the last record read, and when the log last grew and was cleared."""

    device_id = models.CharField(max_length=64, unique=True)
    sn = models.CharField(max_length=64, db_index=True)
    idc_id = models.CharField(max_length=64, db_index=True)
    idc_name = models.CharField(max_length=128, blank=True, default="")
    brand = models.CharField(max_length=64, blank=True, default="")
    model = models.CharField(max_length=64, blank=True, default="")
    manage_status = models.CharField(max_length=16, blank=True, default="")
    ilo_ip = models.CharField(max_length=64, blank=True, default="")
    instance_id = models.CharField(max_length=64, blank=True, default="")
    user_id = models.CharField(max_length=64, blank=True, default="")
    # The cursor. baselined: the first poll happened (what the log held then is history).
    baselined = models.BooleanField(default=False)
    last_record_id = models.PositiveIntegerField(null=True, blank=True)
    last_add = models.BigIntegerField(default=0)
    last_erase = models.BigIntegerField(default=0)
    # The log's record count: an event logged in the same second as the last one read leaves
    # last_add as it was (SEL times are whole seconds), and only the count says it came.
    sel_entries = models.PositiveIntegerField(default=0)
    # Consecutive polls that could not read the BMC, and why the last one failed.
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True, default="")
    polled_at = models.DateTimeField(null=True, blank=True)
    fru = models.JSONField(default=dict, blank=True)
    health = models.JSONField(default=dict, blank=True)  # as last reported to openapi

    class Meta:
        db_table = "oob_monitored_device"

    def __str__(self):
        return self.sn


class FaultLog(models.Model):
    """A device's fault of one rule (upstream's ``cps_log_content_collection``): how many
    records, the first and the last; open until an operator marks it handled."""

    device = models.ForeignKey(MonitoredDevice, on_delete=models.CASCADE, related_name="faults")
    sn = models.CharField(max_length=64)
    rule = models.ForeignKey(FaultRule, null=True, blank=True, on_delete=models.SET_NULL)
    # The rule as it was (the unreachable-BMC fault has none).
    name = models.CharField(max_length=64)
    parts = models.CharField(max_length=16)
    fault_type = models.CharField(max_length=16)
    level = models.CharField(max_length=16, db_index=True)
    desc = models.CharField(max_length=160)
    owned = models.CharField(max_length=12)
    content = models.CharField(max_length=512)  # the last record's line
    count = models.PositiveIntegerField(default=0)
    event_time = models.DateTimeField()  # the first record's time
    collect_time = models.DateTimeField()  # when the last record was read
    update_time = models.DateTimeField(auto_now=True)
    handled = models.BooleanField(default=False)
    handled_by = models.CharField(max_length=64, blank=True, default="")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "oob_fault_log"
        ordering = ["-collect_time", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["device", "name"], name="oob_fault_log_device_rule")
        ]

    def __str__(self):
        return f"{self.sn} {self.name}"


class FaultItem(models.Model):
    """One SEL record behind a fault (upstream's ``cps_log_items``)."""

    log = models.ForeignKey(FaultLog, on_delete=models.CASCADE, related_name="items")
    sn = models.CharField(max_length=64)
    record_id = models.PositiveIntegerField(null=True, blank=True)
    line = models.CharField(max_length=512)
    event_time = models.DateTimeField()
    collect_time = models.DateTimeField()

    class Meta:
        db_table = "oob_fault_item"
        ordering = ["id"]

    def __str__(self):
        return self.line


class CustomInfo(models.Model):
    """A user's column choices of a page (upstream kept them in Redis)."""

    user_id = models.CharField(max_length=64)
    page_key = models.CharField(max_length=64)
    page_value = models.JSONField(default=dict)

    class Meta:
        db_table = "oob_custom_info"
        constraints = [
            models.UniqueConstraint(fields=["user_id", "page_key"], name="oob_custom_info_key")
        ]

    def __str__(self):
        return f"{self.user_id}:{self.page_key}"

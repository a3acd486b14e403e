from django.db import models


class AuditLog(models.Model):
    """One write someone made, with its result. Users and resources may go; the entry stays."""

    logid = models.CharField(max_length=64, unique=True)
    operation = models.CharField(max_length=64, db_index=True)
    user_id = models.CharField(max_length=64, db_index=True)
    user_name = models.CharField(max_length=64)
    # The API key that made the write: for a ``system`` key (a BFF acting for user_id), the
    # key is who really called, so a misused BFF key shows in the trail.
    apikey_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    resource_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    sn = models.CharField(max_length=64, blank=True, default="", db_index=True)
    device_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    instance_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    result = models.CharField(max_length=16)
    fail_reason = models.CharField(max_length=1024, blank=True, default="")
    # A failed job's reason code (``BmcUnreachable``): what a tenant is shown instead of
    # ``fail_reason``, whose text is the driver's and may name the BMC. Empty for API writes,
    # whose message is the one their caller saw.
    fail_code = models.CharField(max_length=64, blank=True, default="")
    operate_time = models.DateTimeField(db_index=True)
    finish_time = models.DateTimeField()

    class Meta:
        db_table = "audit_logs"
        ordering = ["-operate_time", "-id"]

    def __str__(self):
        return self.logid

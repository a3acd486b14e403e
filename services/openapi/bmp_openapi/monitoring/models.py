"""In-band monitoring: alert rules on instances, the alerts they raised, and the credentials
the instances' monitoring agents report with."""

from django.db import models

from bmp_openapi.core.models import SoftDeleteModel
from bmp_openapi.monitoring import choices


class MonitorRule(SoftDeleteModel):
    """An alert rule of a user: triggers on metrics of some instances, and how to notify."""

    rule_id = models.CharField(max_length=64, unique=True)  # "mr-…"
    rule_name = models.CharField(max_length=64)
    dimension = models.CharField(max_length=16, default=choices.DIMENSION_INSTANCE)
    resource = models.CharField(max_length=16, default=choices.RESOURCE_INSTANCE)
    # Upstream's RuleTrigger list and RuleNotice, as the API takes them.
    trigger_option = models.JSONField(default=list)
    notice_option = models.JSONField(default=dict)
    # The disk, mount point or NIC the rule watches ("" for the whole instance).
    device_tag = models.CharField(max_length=128, blank=True, default="")
    status = models.PositiveSmallIntegerField(default=choices.RULE_NORMAL)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    # The project of its instances when it was made: deleting that project removes the rule.
    project_id = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Meta:
        db_table = "monitor_rules"
        ordering = ["-id"]

    def __str__(self):
        return self.rule_id


class MonitorRuleInstance(models.Model):
    """An instance a rule watches, and whether the rule's condition holds on it now."""

    rule = models.ForeignKey(MonitorRule, on_delete=models.CASCADE, related_name="links")
    instance_id = models.CharField(max_length=64, db_index=True)
    instance_name = models.CharField(max_length=128, blank=True, default="")
    alarming = models.BooleanField(default=False)

    class Meta:
        db_table = "r_monitor_rules_instance"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "instance_id"], name="monitor_rule_instance_unique"
            )
        ]

    def __str__(self):
        return f"{self.rule_id}:{self.instance_id}"


class MonitorAlert(SoftDeleteModel):
    """One notice of a rule firing (or, with ``is_recover``, recovering) on an instance."""

    alert_id = models.CharField(max_length=64, unique=True)  # "ma-…"
    alert_time = models.BigIntegerField()  # epoch seconds, when pronoea got it
    rule_id = models.CharField(max_length=64, db_index=True)
    rule_name = models.CharField(max_length=64)
    resource = models.CharField(max_length=16, default=choices.RESOURCE_INSTANCE)
    resource_id = models.CharField(max_length=64, db_index=True)  # the instance id
    resource_name = models.CharField(max_length=128, blank=True, default="")
    trigger = models.JSONField(default=dict)  # the trigger that fired
    alert_value = models.CharField(max_length=64, blank=True, default="")
    calculation_unit = models.CharField(max_length=16, blank=True, default="")
    alert_level = models.PositiveSmallIntegerField(default=1)
    alert_period = models.PositiveIntegerField(default=0)  # minutes
    is_recover = models.BooleanField(default=False)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    project_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "monitor_alerts"
        ordering = ["-alert_time", "-id"]

    def __str__(self):
        return self.alert_id


class AgentCredential(models.Model):
    """The credential an instance's monitoring agent reports with: issued at install, kept as
    a SHA-256 digest (it is 256 random bits, so a slow hash adds nothing), revoked when the
    instance is reinstalled or deleted. One live credential per instance."""

    instance_id = models.CharField(max_length=64, unique=True)
    sn = models.CharField(max_length=64, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "monitor_agent_credential"

    def __str__(self):
        return self.instance_id

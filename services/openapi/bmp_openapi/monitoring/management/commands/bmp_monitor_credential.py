"""Issues a new credential for an instance's monitoring agent and prints it once (for an agent
installed by hand, or to replace a lost one); the previous credential stops working."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bmp_openapi.instances.models import Instance
from bmp_openapi.monitoring.services import agent_credential_issue


class Command(BaseCommand):
    help = "Issue (or replace) an instance's monitoring-agent credential; printed once."

    def add_arguments(self, parser):
        parser.add_argument("instance_id")

    def handle(self, *args, instance_id: str, **options):
        instance = Instance.objects.select_related("device").filter(instance_id=instance_id)
        found = instance.first()
        if found is None:
            raise CommandError(f"no instance {instance_id}")
        with transaction.atomic(durable=True):
            credential = agent_credential_issue(instance=found)
        self.stdout.write(credential)

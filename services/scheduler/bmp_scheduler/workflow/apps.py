from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "bmp_scheduler.workflow"
    label = "workflow"
    verbose_name = "Workflow engine (jobs and steps)"

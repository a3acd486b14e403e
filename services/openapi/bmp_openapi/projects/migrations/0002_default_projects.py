"""Every user has a default project: give one to the users created before projects existed."""

from django.db import migrations

from bmp_common.ids import new_id

DEFAULT_PROJECT_NAME = "default project"


def create_default_projects(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Project = apps.get_model("projects", "Project")
    for user in User.objects.filter(delete_marker=0):
        default = Project.objects.filter(user=user, is_default=True, delete_marker=0).first()
        if default is None:
            default = Project.objects.create(
                project_id=new_id("project"),
                project_name=DEFAULT_PROJECT_NAME,
                user=user,
                is_default=True,
                created_by=user.user_name,
                updated_by=user.user_name,
            )
        if user.default_project_id != default.project_id:
            user.default_project_id = default.project_id
            user.save(update_fields=["default_project_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        # Users gained delete_marker and default_project_id there.
        ("accounts", "0003_soft_delete_users_roles"),
    ]

    operations = [
        migrations.RunPython(create_default_projects, migrations.RunPython.noop),
    ]

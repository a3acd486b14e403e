"""Seed the three roles with upstream's ids (clients and the consoles depend on them)."""

from django.db import migrations

ROLES = [
    (
        "role-admin-uuid-01",
        "Owner",
        "平台拥有者",
        "All rights, console and operation",
        "拥有所有权限，可使用控制台和运营平台",
    ),
    (
        "role-operator-uuid-01",
        "Operator",
        "运营人员",
        "Operation portal, all rights except users and roles",
        "运营平台，除用户和角色管理外的所有权限",
    ),
    ("role-user-uuid-01", "User", "普通用户", "Console only", "仅可使用控制台"),
]


def seed_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role_id, name_en, name_cn, description_en, description_cn in ROLES:
        Role.objects.update_or_create(
            role_id=role_id,
            defaults={
                "role_name_en": name_en,
                "role_name_cn": name_cn,
                "description_en": description_en,
                "description_cn": description_cn,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(seed_roles, migrations.RunPython.noop)]

"""Create the role groups of apps/core/roles.py with their permissions."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from apps.core.roles import sync_roles

    # Models of later migrations do not exist yet here; the post_migrate sync (strict)
    # grants their permissions once every migration has run.
    sync_roles(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0001_initial"),
        ("suppliers", "0001_initial"),
        ("customers", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]

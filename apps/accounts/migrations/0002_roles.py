"""Groups ``assistances-admin`` and ``assistances-tmo`` (the seed's Cognito groups) with their permissions.

The grant rules live in apps.accounts.roles; they are re-applied after every migrate so the
permissions of apps added later reach the groups too.
"""

from django.db import migrations

from apps.accounts.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("masters", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]

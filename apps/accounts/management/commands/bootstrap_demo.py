"""Create (or reset) the local demo accounts and print their credentials. Local/DEBUG only."""

import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.models import User
from apps.accounts.roles import ADMIN_GROUP, TMO_GROUP

DEMO_ACCOUNTS = [
    ("operator@bigtree.local", "Demo", "Operator", TMO_GROUP, False),
    ("admin@bigtree.local", "Demo", "Admin", ADMIN_GROUP, True),
]


class Command(BaseCommand):
    help = "Create the demo operator and admin accounts with fresh random passwords (refused unless DEBUG)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for local development only (DEBUG is off).")
        lines = []
        with transaction.atomic():
            for email, first, last, group_name, superuser in DEMO_ACCOUNTS:
                password = secrets.token_urlsafe(12)
                user, _ = User.objects.get_or_create(
                    email=email, defaults={"first_name": first, "last_name": last, "is_staff": True}
                )
                user.is_staff = True
                user.is_superuser = superuser
                user.is_active = True
                user.set_password(password)
                user.save()
                user.groups.add(Group.objects.get(name=group_name))
                lines.append(f"  {group_name:<18} {email:<26} password: {password}")
        self.stdout.write(self.style.SUCCESS("Demo accounts (new passwords on every run):"))
        for line in lines:
            self.stdout.write(line)

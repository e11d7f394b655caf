"""`manage.py demo_logins`: print the demo users, their roles and the shared password."""

import unicodedata

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from apps.core.roles import ROLES

from ._demo_data import ADMIN_USERNAME, DEMO_PASSWORD

URL = "http://127.0.0.1:8000/"


def width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


class Command(BaseCommand):
    help = "Print the demo logins created by load_demo (username, role, password) and the URL."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=URL, help="Address the server listens on.")

    def handle(self, *args, **options):
        url = options["url"].rstrip("/") + "/"
        rows = [(role.code, str(role.label)) for role in ROLES]
        rows.append((ADMIN_USERNAME, _("Superuser (Django admin)")))
        existing = set(
            User.objects.filter(username__in=[r[0] for r in rows]).values_list(
                "username", flat=True
            )
        )
        headings = (_("Username"), _("Role"), _("Password"))
        user_cols = max(width(r[0]) for r in [*rows, headings]) + 2
        role_cols = max(width(r[1]) for r in [*rows, headings]) + 2
        out = self.stdout
        out.write("")
        out.write(_("GSP-ERP: %(url)s   Django admin: %(url)sadmin/") % {"url": url})
        out.write("")
        out.write(pad(headings[0], user_cols) + pad(headings[1], role_cols) + headings[2])
        out.write("-" * (user_cols + role_cols + width(DEMO_PASSWORD)))
        for username, label in rows:
            missing = "" if username in existing else "  " + _("(missing: run load_demo)")
            out.write(pad(username, user_cols) + pad(label, role_cols) + DEMO_PASSWORD + missing)
        out.write("")

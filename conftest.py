"""Project-wide pytest fixtures (every test runs against PostgreSQL)."""

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from apps.core.tests.factories import user_with_role


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default PBKDF2 costs ~0.5 s per user; only the login tests care, and MD5
    # still exercises the same code path.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    # Requests activate a language on the test thread and Django leaves it active
    # afterwards, so without this a test would see whatever language the previous
    # test's last request used. Every test starts in the site default (zh-hans).
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def make_user(db):
    return user_with_role


@pytest.fixture
def role_client(db, client):
    """`role_client("manager")` -> a test client logged in as a user with that role."""

    def _login(role: str, username: str | None = None):
        user = user_with_role(role, username)
        client.force_login(user)
        client.user = user
        return client

    return _login

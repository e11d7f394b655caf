"""Fixtures several apps' test packages share; a package's conftest imports the ones it uses
(pytest registers fixtures found in a conftest's namespace)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(settings):
    """English pages and messages (assertions quote the source strings); fast passwords."""
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with translation.override("en"):
        yield

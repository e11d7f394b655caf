"""Purchasing tests assert on the English source messages and share one purchasing world."""

import pytest

from apps.core.tests.fixtures import english  # noqa: F401  (autouse fixture)

from .factories import purchasing_world


@pytest.fixture
def world(db):
    return purchasing_world()

"""Sales tests assert on the English source messages and share one sales world."""

import pytest

from apps.core.tests.fixtures import english  # noqa: F401  (autouse fixture)

from .factories import sales_world


@pytest.fixture
def world(db):
    return sales_world()

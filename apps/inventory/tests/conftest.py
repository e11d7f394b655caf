"""Inventory tests assert on the English source messages of the services."""

from apps.core.tests.fixtures import english  # noqa: F401  (autouse fixture)

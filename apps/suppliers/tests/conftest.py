"""Supplier tests assert on the English source messages and use a fast password hasher."""

from apps.core.tests.fixtures import english  # noqa: F401  (autouse fixture)

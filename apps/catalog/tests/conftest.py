"""Catalog tests assert on the English source messages; passwords hash fast."""

from apps.core.tests.fixtures import english  # noqa: F401  (autouse fixture)

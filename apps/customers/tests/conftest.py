"""Fixtures for the customers tests: English messages and pages."""

from apps.core.tests.fixtures import english  # noqa: F401  (autouse fixture)

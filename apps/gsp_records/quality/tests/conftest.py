"""Quality record tests assert on the English source messages."""

from apps.core.tests.fixtures import english  # noqa: F401  (autouse fixture)

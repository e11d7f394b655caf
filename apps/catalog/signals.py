"""Signals the catalog declares for the apps above it (DESIGN.md 2: lower apps signal up)."""

from django.dispatch import Signal

# Sent from Product.clean() when an existing product is given another storage group, with
# `product` (the unsaved instance) and `group` (the new StorageGroup or None). A receiver
# returns a list of translated messages saying why the change may not be made; the
# product is then refused on every write path (form, admin, import), since all of them
# call full_clean().
storage_group_changing = Signal()

"""URLs of the records derived from transactions (purchase, acceptance, ...)."""

from django.urls import path

from .derived import RECORDS, DerivedListView

urlpatterns: list = [
    path(record.route, DerivedListView.as_view(record=record), name=record.code)
    for record in RECORDS
]

"""Shared set-up of the quality record tests: users per role, a lot on a shelf."""

from __future__ import annotations

from django.test import Client

from apps.core.tests.factories import user_with_role
from apps.inventory.models import Zone
from apps.inventory.services import sellable_balances
from apps.inventory.tests.factories import LocationFactory, LotFactory, put_stock


def client_for(role: str, username: str | None = None) -> Client:
    user = user_with_role(role, username)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def stocked_lot(quantity: int = 50):
    shelf = LocationFactory(code="Q1", zone=Zone.QUALIFIED)
    lot = LotFactory()
    put_stock(lot, shelf, quantity)
    return lot, shelf


def nonconforming_location():
    return LocationFactory(code="NC1", zone=Zone.NONCONFORMING)


def is_sellable(lot) -> bool:
    return sellable_balances().filter(lot=lot).exists()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def form_errors(response) -> list[str]:
    form = response.context["form"]
    return [str(e) for errs in form.errors.values() for e in errs]

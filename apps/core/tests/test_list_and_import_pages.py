"""Shared list and import page behaviour: yes/no filters and the import template."""

import io

import openpyxl
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_yes_no_filters_offer_any_instead_of_unknown(role_client):
    response = role_client("manager").get(reverse("customers:customer_list"))
    form = response.context["filter"].form
    choices = dict(form.fields["is_active"].widget.choices)
    assert str(choices["unknown"]) in ("Any", "全部")
    assert "Unknown" not in [str(label) for label in choices.values()]


def test_import_page_offers_an_empty_template_with_the_import_columns(role_client):
    client = role_client("manager")
    page = client.get(reverse("catalog:product_import"))
    response = client.get(reverse("catalog:product_import") + "?template=xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert headers == page.context["columns"]
    assert "code" in headers and "registration_number" in headers
    assert sheet.max_row == 1


def test_import_template_needs_the_import_permission(role_client):
    response = role_client("auditor").get(reverse("catalog:product_import") + "?template=xlsx")
    assert response.status_code == 403

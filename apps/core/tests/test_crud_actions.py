"""Which pages a `Crud` generates (apps/core/crud.py `actions`) and that the pages offer
only buttons whose routes exist."""

import pytest
from django.urls import reverse

from apps.catalog.forms import ManufacturerForm, ManufacturerLicenceForm
from apps.catalog.models import Manufacturer, ManufacturerLicence
from apps.catalog.resources import ManufacturerLicenceResource
from apps.catalog.tables import ManufacturerTable
from apps.catalog.tests.factories import ProductFactory, ProductFirstApprovalFactory
from apps.core.crud import CHILD_ACTIONS, Crud


def names(crud: Crud) -> set[str]:
    return {pattern.name for pattern in crud.urls()}


def test_a_top_level_model_gets_every_page_and_actions_leave_some_out():
    crud = Crud(model=Manufacturer, table=ManufacturerTable, form=ManufacturerForm)
    assert names(crud) == {
        "manufacturer_list",
        "manufacturer_detail",
        "manufacturer_create",
        "manufacturer_update",
        "manufacturer_history",
    }  # no import page without a resource

    crud = Crud(
        model=Manufacturer,
        table=ManufacturerTable,
        form=ManufacturerForm,
        actions=("list", "detail", "history"),
    )
    assert names(crud) == {"manufacturer_list", "manufacturer_detail", "manufacturer_history"}


def test_a_child_model_gets_a_list_and_import_only_when_asked():
    child = {
        "model": ManufacturerLicence,
        "table": ManufacturerTable,
        "form": ManufacturerLicenceForm,
        "resource": ManufacturerLicenceResource,
        "parent_field": "manufacturer",
    }
    assert names(Crud(**child)) == {
        "manufacturerlicence_detail",
        "manufacturerlicence_create",
        "manufacturerlicence_update",
        "manufacturerlicence_history",
    }
    crud = Crud(**child, actions=(*CHILD_ACTIONS, "list", "import"))
    assert {"manufacturerlicence_list", "manufacturerlicence_import"} <= names(crud)
    create = next(p for p in crud.urls() if p.name == "manufacturerlicence_create")
    assert str(create.pattern) == "manufacturerlicences/new/<int:parent_pk>/"


def test_unknown_actions_are_refused():
    with pytest.raises(ValueError, match="delete"):
        Crud(
            model=Manufacturer, table=ManufacturerTable, form=ManufacturerForm, actions=("delete",)
        )


@pytest.mark.django_db
def test_detail_page_offers_edit_only_where_the_edit_page_exists(admin_client):
    product = ProductFactory()
    approval = ProductFirstApprovalFactory(product=ProductFactory())

    product_page = admin_client.get(reverse("catalog:product_detail", args=[product.pk]))
    approval_page = admin_client.get(
        reverse("catalog:productfirstapproval_detail", args=[approval.pk])
    )

    assert reverse("catalog:product_update", args=[product.pk]) in product_page.content.decode()
    assert f"productfirstapprovals/{approval.pk}/edit/" not in approval_page.content.decode()
    assert approval_page.status_code == 200

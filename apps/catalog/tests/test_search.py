"""Product search: codes, names, registration numbers, barcodes and pinyin initials (助记码)."""

import pytest
from django.urls import reverse

from apps.catalog.tests.factories import ManufacturerFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    return {
        "syringe": ProductFactory(code="S-001", name="一次性使用无菌注射器", spec="5ml"),
        "catheter": ProductFactory(code="C-001", name="导尿管", spec="Fr16"),
        "glove": ProductFactory(
            code="G-001", name="医用检查手套", spec="M", barcode="6901234567892"
        ),
    }


def search(client, q, url_name="catalog:product_list"):
    response = client.get(reverse(url_name), {"q": q})
    assert response.status_code == 200
    return sorted(row.record.code for row in response.context["table"].rows)


@pytest.mark.parametrize(
    "q",
    [
        "yczsq",  # 一次性 使用 无菌 注射器: initials of the key syllables, in order
        "ycxsywjzsq",  # every initial
        "YCXSYWJZSQ",  # typed in capitals
        "注射器",  # Chinese text
        "zsq",
    ],
)
def test_syringe_is_found(role_client, products, q):
    assert search(role_client("sales"), q) == ["S-001"]


@pytest.mark.parametrize("q", ["qzy", "手套", "blood", "sqzy"])
def test_unrelated_terms_do_not_find_the_syringe(role_client, products, q):
    assert "S-001" not in search(role_client("sales"), q)


def test_search_by_code_spec_registration_number_and_barcode(role_client, products):
    client = role_client("purchaser")
    assert search(client, "C-001") == ["C-001"]
    assert search(client, "Fr16") == ["C-001"]
    assert search(client, "6901234567892") == ["G-001"]
    number = products["catheter"].registration_number
    assert search(client, number) == ["C-001"]


def test_manufacturer_search_by_pinyin_initials(role_client):
    ManufacturerFactory(code="M-A", name="山东威高集团医用高分子制品股份有限公司")
    ManufacturerFactory(code="M-B", name="上海康德莱企业发展集团股份有限公司")
    client = role_client("purchaser")
    assert search(client, "sdwg", "catalog:manufacturer_list") == ["M-A"]
    assert search(client, "康德莱", "catalog:manufacturer_list") == ["M-B"]

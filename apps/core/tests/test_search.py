"""SearchFilterSet: the free-text box and the typed pinyin initials (助记码)."""

import pytest

from apps.catalog.models import Product
from apps.core.filters import SearchFilterSet
from apps.core.models import DeviceClass

pytestmark = pytest.mark.django_db


class ProductSearch(SearchFilterSet):
    search_fields = ("code", "name", "mnemonic")

    class Meta:
        model = Product
        fields = []


@pytest.fixture
def products(make_category, make_product):
    category = make_category("6815")
    return {
        "syringe": make_product(category, DeviceClass.CLASS_III, name="一次性使用无菌注射器"),
        "mask": make_product(category, DeviceClass.CLASS_II, name="医用外科口罩"),
        "gauze": make_product(category, DeviceClass.CLASS_I, name="医用脱脂纱布"),
    }


def found(q: str) -> set[str]:
    return {p.name for p in ProductSearch({"q": q}, queryset=Product.objects.all()).qs}


def test_mnemonic_is_filled_from_the_name(products):
    assert products["syringe"].mnemonic == "ycxsywjzsq"
    assert products["mask"].mnemonic == "yywkkz"


@pytest.mark.parametrize("q", ["ycxsywjzsq", "yczsq", "YCZSQ", "zsq", "ywjzsq"])
def test_initials_in_order_match(products, q):
    assert found(q) == {"一次性使用无菌注射器"}


@pytest.mark.parametrize("q", ["zsqyc", "qsz", "zy", "kzyy"])
def test_initials_out_of_order_do_not_match(products, q):
    assert found(q) == set()


def test_other_initials_may_sit_between_the_typed_ones(products):
    # ycxs(y)wjzsq has its second "y" four initials later; it still matches "yy".
    assert found("yy") == {"一次性使用无菌注射器", "医用外科口罩", "医用脱脂纱布"}
    assert found("yykz") == {"医用外科口罩"}
    assert found("yyt") == {"医用脱脂纱布"}


def test_chinese_text_matches_the_name(products):
    assert found("注射器") == {"一次性使用无菌注射器"}
    assert found("医用") == {"医用外科口罩", "医用脱脂纱布"}


def test_code_matches(products):
    assert found(products["mask"].code.lower()) == {"医用外科口罩"}


def test_empty_search_returns_everything(products):
    assert len(found("")) == 3
    assert len(found("   ")) == 3


def test_regex_characters_are_taken_literally(products):
    assert found(".*") == set()
    assert found("y.z") == set()

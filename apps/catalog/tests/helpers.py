"""Test data builders shared by the catalog tests: form posts and spreadsheets."""

import datetime
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.models import today


def product_data(category, manufacturer, **overrides):
    data = {
        "code": "P-NEW-1",
        "name": "一次性使用无菌注射器",
        "generic_name": "注射器",
        "spec": "5ml",
        "kind": "device",
        "device_class": "3",
        "category": category.pk,
        "manufacturer": manufacturer.pk,
        "registration_number": "国械注准20153150123",
        "registration_valid_until": (today() + datetime.timedelta(days=700)).isoformat(),
        "origin": "上海",
        "unit": "支",
        "aux_unit": "盒",
        "aux_conversion": "100",
        "storage_condition": "ambient",
        "shelf_life_months": "36",
        "barcode": "",
        "udi_di": "",
        "national_wholesale_price": "1.20",
        "retail_price": "1.50",
        "tax_rate": "13",
        "max_qty": "",
        "max_qty_period": "",
        "min_stock": "100",
        "max_stock": "5000",
        "stop_reason": "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


PRODUCT_HEADERS = [
    "code",
    "name",
    "generic_name",
    "spec",
    "kind",
    "device_class",
    "category",
    "manufacturer",
    "registration_number",
    "registration_valid_until",
    "unit",
    "shelf_life_months",
    "national_wholesale_price",
    "retail_price",
    "tax_rate",
    "is_controlled",
    "max_qty",
    "max_qty_period",
    "min_stock",
    "max_stock",
]


def xlsx(headers, rows, name="products.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def product_row(code, **overrides):
    valid = today() + datetime.timedelta(days=900)
    row = {
        "code": code,
        "name": "一次性使用无菌注射器",
        "generic_name": "注射器",
        "spec": "5ml",
        "kind": "device",
        "device_class": "III",
        "category": "6815",
        "manufacturer": "WG",
        "registration_number": "国械注准20153150123",
        "registration_valid_until": valid,
        "unit": "支",
        "shelf_life_months": 36,
        "national_wholesale_price": 1.2,
        "retail_price": 1.5,
        "tax_rate": 13,
        "is_controlled": "否",
        "max_qty": None,
        "max_qty_period": None,
        "min_stock": 100,
        "max_stock": 5000,
    }
    row.update(overrides)
    return [row[h] for h in PRODUCT_HEADERS]

"""A small printable form for the PDF tests: batch numbers given as a parameter.

It exercises the whole pipeline (params round trip, build, template, font, hash)
without depending on any record model. `fail=true` makes its build raise."""

from __future__ import annotations

import datetime

import pytest
from django import forms

from apps.core.exceptions import DomainError
from apps.core.tests.factories import licensed_company
from apps.gsp_records import pdf

TITLE = "测试批号清单"
FORM_NUMBER = "GSP-TEST-01"
CODE = "test_batches"
PERMISSION = "purchasing.view_receipt"  # inspectors and auditors have it, sales not


class BatchParams(pdf.DateRangeForm):
    batches = forms.CharField(required=False)
    rows = forms.IntegerField(required=False, min_value=0, max_value=5000)
    fail = forms.BooleanField(required=False)


def build(params: dict) -> pdf.Built:
    assert isinstance(params["date_from"], datetime.date)  # the JSON round trip
    if params.get("fail"):
        raise DomainError("批号不存在：XYZ")
    batches = [b for b in (params.get("batches") or "").split(",") if b]
    batches += [f"R{n:05d}" for n in range(params.get("rows") or 0)]
    return pdf.Built(
        sections=[
            pdf.Section(
                columns=["序号", "批号", "数量"],
                rows=[[str(n), batch, "10"] for n, batch in enumerate(batches, 1)],
                numeric=frozenset({2}),
                fields=[("期间", f"{params['date_from']} – {params['date_to']}")],
                signatures=[("验收员", "张三", str(params["date_to"]))],
            )
        ],
        date_from=params["date_from"],
        date_to=params["date_to"],
    )


FORM = pdf.PdfForm(
    code=CODE,
    title=TITLE,
    form_number=FORM_NUMBER,
    permission=PERMISSION,
    build=build,
    params_form=BatchParams,
)


@pytest.fixture
def test_form():
    """Register the test form for one test (and our company with its licence)."""
    previous = pdf.REGISTRY.get(CODE)
    pdf.REGISTRY[CODE] = FORM
    licensed_company()
    yield FORM
    if previous is None:
        pdf.REGISTRY.pop(CODE, None)
    else:
        pdf.REGISTRY[CODE] = previous


def params(batches=("B2026A", "B2026B"), **extra) -> dict:
    data = {"date_from": "2026-01-01", "date_to": "2026-01-31", "batches": ",".join(batches)}
    data.update(extra)
    return data


@pytest.fixture
def eager_celery():
    """Tasks run in-process even when REDIS_URL points the project at a real broker."""
    from gsp_erp.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)

"""The PDF figure of `make bench` (apps/inventory/management/commands/bench.py).

A 1,000-row acceptance record (医疗器械质量验收记录) rendered by our pipeline - the
worker's `pdf_render`: row lock, build, the generic template with company header,
signatures, page X of Y, QR code and the embedded font, WeasyPrint, SHA-256, storing
the file - against a bare WeasyPrint table of the same 1,000 rows with the same font and
page size, in the same run. Target: ours at most 1.5 times the bare table.

The rows are synthetic strings under the acceptance record's columns: the figure is the
cost of the PDF pipeline, not of the acceptance query (that is a list-page figure).
Each side runs once after a small warm-up (WeasyPrint takes seconds per 1,000 rows).
"""

from __future__ import annotations

import time

from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

ROWS = 1_000
NAME = "acceptance record PDF, 1,000 rows"
BENCH_CODE = "bench_acceptance"
TARGET_FACTOR = 1.5
COLUMNS = [
    "到货日期",
    "验收单号",
    "产品名称",
    "规格型号",
    "注册证号/备案凭证号",
    "单位",
    "生产企业",
    "生产许可证号",
    "批号/序列号",
    "生产日期",
    "有效期至",
    "供货单位",
    "到货数量",
    "抽样数量",
    "合格数量",
    "拒收数量",
    "质量状况",
    "验收结论",
    "验收员",
    "验收日期",
]


def synthetic_rows() -> list[list[str]]:
    return [
        [
            "2026-03-02",
            f"YS-20260302-{n:04d}",
            f"一次性使用无菌注射器{n % 50}",
            "5ml 带针",
            f"国械注准2015315{n % 1000:04d}",
            "支",
            "上海示例医疗器械制造有限公司",
            f"沪食药监械生产许2015{n % 100:04d}号",
            f"B2026{n:04d}",
            "2026-01-05",
            "2029-01-04",
            "苏州示例医疗器械供应有限公司",
            "500",
            "5",
            "495",
            "0",
            "外观包装完好，标签说明书齐全",
            "合格",
            "张三",
            "2026-03-02",
        ]
        for n in range(1, ROWS + 1)
    ]


def bare_html(rows: list[list[str]]) -> str:
    from .pdf import FONT_FILE

    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return (
        "<html><head><meta charset='utf-8'><style>"
        f"@font-face {{ font-family: N; src: url('{FONT_FILE.as_uri()}'); }}"
        "@page { size: A4 landscape; margin: 14mm 10mm 16mm 10mm; }"
        "html { font-family: N; font-size: 8.5pt; }"
        "table { width: 100%; border-collapse: collapse; }"
        "td, th { border: 0.5pt solid #000; padding: 0.6mm 0.8mm; }"
        f"</style></head><body><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )


def bare(rows) -> bytes:
    from weasyprint import HTML

    return HTML(string=bare_html(rows)).write_pdf()


def ours(rows) -> tuple[float, int, int]:
    """(ms, queries, pages) of rendering one queued PDF through `pdf_render` (rolled back)."""
    from . import pdf, services
    from .models import GeneratedPdf, PdfStatus

    form = pdf.PdfForm(
        code=BENCH_CODE,
        title="医疗器械质量验收记录",
        form_number="GSP-YS-01",
        permission="purchasing.view_acceptance",
        build=lambda params: pdf.Built(
            sections=[
                pdf.Section(
                    columns=COLUMNS,
                    rows=rows,
                    numeric=frozenset({12, 13, 14, 15}),
                    signatures=[("制表人", "", ""), ("质量负责人", "", "")],
                )
            ],
            date_from=params["date_from"],
            date_to=params["date_to"],
        ),
    )
    pdf.REGISTRY[BENCH_CODE] = form
    try:
        with transaction.atomic():
            generated = GeneratedPdf.objects.create(
                number="BENCH-PDF-1",
                form_code=BENCH_CODE,
                title=form.title,
                params={"date_from": "2026-03-01", "date_to": "2026-03-31"},
            )
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                done = services.pdf_render(generated.pk)
                elapsed = (time.perf_counter() - started) * 1000
            assert done.status == PdfStatus.READY, done.error
            pages = done.pages
            transaction.set_rollback(True)
    finally:
        pdf.REGISTRY.pop(BENCH_CODE, None)
    return elapsed, len(ctx.captured_queries), pages


def report(command) -> None:
    rows = synthetic_rows()
    bare(rows[:20])  # warm-up: imports, font loading
    ours(rows[:20])
    started = time.perf_counter()
    bare(rows)
    bare_ms = (time.perf_counter() - started) * 1000
    ours_ms, queries, pages = ours(rows)
    target = bare_ms * TARGET_FACTOR
    status = "OK" if ours_ms <= target else "SLOW"
    command.stdout.write(
        f"{NAME} ({pages} pages)  {ours_ms:.1f}  target {target:.0f}  {queries} queries  {status}"
    )
    command.stdout.write(f"{NAME} (bare WeasyPrint)  {bare_ms:.1f}")

"""URLs of the inventory reports (combined with ops_urls into app "inventory")."""

from django.urls import path

from . import reports

urlpatterns = [
    path("reports/stock/", reports.StockReportView.as_view(), name="stock_report"),
    path("reports/expiry/", reports.ExpiryReportView.as_view(), name="expiry_report"),
    path("reports/batch-ledger/", reports.BatchLedgerView.as_view(), name="batch_ledger"),
    path("reports/moves/", reports.MoveListView.as_view(), name="move_list"),
    path("reports/min-max/", reports.MinMaxReportView.as_view(), name="minmax_report"),
    path("reports/slow-movers/", reports.SlowMoversView.as_view(), name="slow_movers"),
    path("reports/lots/<int:pk>/trace/", reports.LotTraceView.as_view(), name="lot_trace"),
]

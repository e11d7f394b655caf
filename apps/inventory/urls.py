"""URLs of the inventory staff pages: operations (ops_urls) and reports (report_urls)."""

from . import ops_urls, report_urls

app_name = "inventory"

urlpatterns = [*ops_urls.urlpatterns, *report_urls.urlpatterns]

from django.urls import path

from . import derived_urls, views

app_name = "gsp_records"

urlpatterns = [
    path("pdfs/", views.PdfListView.as_view(), name="pdf_list"),
    path("pdfs/new/", views.PdfRequestView.as_view(), name="pdf_request"),
    path("pdfs/<int:pk>/", views.PdfDetailView.as_view(), name="pdf_detail"),
    path("pdfs/<int:pk>/download/", views.PdfDownloadView.as_view(), name="pdf_download"),
    path("verify/<uuid:token>/", views.pdf_verify, name="pdf_verify"),
]

urlpatterns += derived_urls.urlpatterns

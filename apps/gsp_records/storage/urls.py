from django.urls import path  # noqa: F401

app_name = "gsp_storage"

urlpatterns: list = []

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import GeneratedPdf


@admin.register(GeneratedPdf)
class GeneratedPdfAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "title",
        "record_number",
        "date_from",
        "date_to",
        "status",
        "pages",
        "requested_by",
        "created_at",
    )
    list_filter = ("form_code", "status")
    search_fields = ("number", "record_number", "title", "sha256")
    exclude = ("content",)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "content"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

"""URLs of the quality record pages."""

from django.urls import path

from . import filters, forms, tables, views
from .documents import PDF_CODES
from .models import (
    HealthCheck,
    QualityFeedback,
    QualityInquiry,
    ReinspectionNotice,
    StopSaleNotice,
    TrainingRecord,
)

app_name = "gsp_quality"


def _crud(model, **kwargs) -> views.QualityCrud:
    name = model.__name__
    code = PDF_CODES[model]
    return views.QualityCrud(
        model=model,
        table=getattr(tables, f"{name}Table"),
        form=getattr(forms, f"{name}Form"),
        filterset=getattr(filters, f"{name}Filter"),
        pdf_form=code,
        list_pdf_form=f"{code}_list",
        **kwargs,
    )


LOT = ("lot__product__manufacturer",)

reinspection_notices = _crud(
    ReinspectionNotice,
    select_related=(*LOT, "location__warehouse", "issued_by", "hold", "stop_sale_notice"),
    detail_template="gsp_quality/reinspectionnotice_detail.html",
    detail_context=views.reinspection_detail_context,
    create_initial=views.reinspection_initial,
)
stop_sale_notices = _crud(
    StopSaleNotice,
    select_related=(*LOT, "location__warehouse", "handler", "hold"),
    detail_template="gsp_quality/stopsalenotice_detail.html",
    detail_context=views.stop_sale_detail_context,
)
quality_inquiries = _crud(QualityInquiry, select_related=("product",))
quality_feedback = _crud(
    QualityFeedback,
    select_related=("reporter", "department_handler", "quality_handler", "other_handler"),
)
health_checks = _crud(
    HealthCheck, select_related=("user",), list_context=views.health_check_list_context
)
training_records = _crud(TrainingRecord)

urlpatterns = [
    *reinspection_notices.urls(),
    path(
        "reinspectionnotices/<int:pk>/issue/",
        views.ReinspectionIssueView.as_view(crud=reinspection_notices),
        name="reinspectionnotice_issue",
    ),
    *stop_sale_notices.urls(),
    *quality_inquiries.urls(),
    *quality_feedback.urls(),
    *health_checks.urls(),
    *training_records.urls(),
]

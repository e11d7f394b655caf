"""URLs of the warehouse GSP records."""

from django.db.models import Count, Max, Q
from django.urls import path

from apps.core.models import today

from .documents import RANGE_FORMS, RECORD_FORMS
from .filters import (
    CalibrationCardFilterSet,
    EquipmentUseFilterSet,
    MaintenanceInspectionFilterSet,
    TemperatureLogFilterSet,
)
from .forms import (
    CalibrationCardForm,
    CalibrationEntryForm,
    EquipmentUseForm,
    MaintenanceInspectionForm,
    TemperatureLogForm,
)
from .models import (
    CalibrationCard,
    CalibrationEntry,
    EquipmentUse,
    MaintenanceInspection,
    TemperatureLog,
)
from .tables import (
    CalibrationCardTable,
    EquipmentUseTable,
    MaintenanceInspectionTable,
    TemperatureLogTable,
)
from .views import (
    InspectionFormView,
    InspectionWorklistView,
    StorageCrud,
    inspection_detail_context,
)

app_name = "gsp_storage"


def _pdf_forms(model):
    name = model._meta.model_name
    return {"pdf_form": RECORD_FORMS[name], "range_pdf_form": RANGE_FORMS[name]}


def card_detail_context(request, card):
    entries = list(card.entries.select_related("author", "signed_by").order_by("-calibration_date"))
    due = card.next_due(card.last_calibrated)
    return {
        "entries": entries,
        "next_due": due,
        "overdue": due is None or due < today(),
        "can_add_entry": request.user.has_perm("gsp_storage.add_calibrationentry"),
    }


temperature_logs = StorageCrud(
    model=TemperatureLog,
    table=TemperatureLogTable,
    form=TemperatureLogForm,
    filterset=TemperatureLogFilterSet,
    select_related=("location__warehouse", "author", "signed_by", "corrects"),
    detail_template="gsp_storage/temperaturelog_detail.html",
    **_pdf_forms(TemperatureLog),
)
inspections = StorageCrud(
    model=MaintenanceInspection,
    table=MaintenanceInspectionTable,
    form=MaintenanceInspectionForm,
    filterset=MaintenanceInspectionFilterSet,
    select_related=("warehouse",),
    annotate=lambda qs: qs.annotate(line_count=Count("lines")),
    detail_template="gsp_storage/maintenanceinspection_detail.html",
    detail_context=inspection_detail_context,
    **_pdf_forms(MaintenanceInspection),
)
equipment_uses = StorageCrud(
    model=EquipmentUse,
    table=EquipmentUseTable,
    form=EquipmentUseForm,
    filterset=EquipmentUseFilterSet,
    select_related=("warehouse", "operator"),
    **_pdf_forms(EquipmentUse),
)
calibration_cards = StorageCrud(
    model=CalibrationCard,
    table=CalibrationCardTable,
    form=CalibrationCardForm,
    filterset=CalibrationCardFilterSet,
    annotate=lambda qs: qs.annotate(
        last_calibrated=Max("entries__calibration_date", filter=Q(entries__signed_at__isnull=False))
    ),
    detail_template="gsp_storage/calibrationcard_detail.html",
    detail_context=card_detail_context,
    **_pdf_forms(CalibrationCard),
)
calibration_entries = StorageCrud(
    model=CalibrationEntry,
    table=CalibrationCardTable,  # no list page: entries are listed on their card
    form=CalibrationEntryForm,
    parent_field="card",
    actions=("detail", "create", "update", "history"),
    select_related=("card",),
)

# The inspection's create, edit and correct pages carry its lines.
INSPECTION_VIEWS = {
    "maintenanceinspection_create": InspectionFormView.as_view(mode="create"),
    "maintenanceinspection_update": InspectionFormView.as_view(mode="update"),
    "maintenanceinspection_correct": InspectionFormView.as_view(mode="correct"),
}
inspection_urls = [
    path(str(p.pattern), INSPECTION_VIEWS[p.name], name=p.name) if p.name in INSPECTION_VIEWS else p
    for p in inspections.urls()
]

urlpatterns = [
    path(
        "maintenanceinspections/worklist/",
        InspectionWorklistView.as_view(),
        name="inspection_worklist",
    ),
    *temperature_logs.urls(),
    *inspection_urls,
    *equipment_uses.urls(),
    *calibration_cards.urls(),
    *calibration_entries.urls(),
]

"""URLs of the alerts: /gsp/alerts/."""

from django.urls import path

from apps.core.crud import Crud

from . import views
from .forms import AlertJobForm
from .models import AlertJob
from .tables import AlertJobTable

app_name = "gsp_alerts"

alert_jobs = Crud(
    model=AlertJob,
    table=AlertJobTable,
    form=AlertJobForm,
    detail_fields=("code", "enabled", "run_time", "roles", "last_run_at"),
    detail_template="gsp_alerts/alertjob_detail.html",
    detail_context=views.alertjob_detail_context,
    # The jobs are fixed (one per check): a manager edits their schedule, nobody adds any.
    actions=("list", "detail", "update", "history"),
)

urlpatterns = [
    path("", views.AlertListView.as_view(), name="alert_list"),
    path("<int:pk>/acknowledge/", views.AlertAcknowledgeView.as_view(), name="alert_acknowledge"),
    *alert_jobs.urls(),
]

"""The five alert jobs with their default schedule (a manager changes it later)."""

import datetime

from django.db import migrations

DEFAULTS = {
    "expiry": (datetime.time(1, 0), ["quality_manager", "keeper", "sales", "manager"]),
    "licences": (datetime.time(1, 10), ["quality_manager", "purchaser", "sales", "manager"]),
    "minmax": (datetime.time(1, 20), ["purchaser", "keeper", "manager"]),
    "temperature": (datetime.time(1, 30), ["keeper", "quality_manager"]),
    "nonconforming": (datetime.time(1, 40), ["quality_manager", "keeper", "manager"]),
}


def create_jobs(apps, schema_editor):
    AlertJob = apps.get_model("gsp_alerts", "AlertJob")
    for code, (run_time, roles) in DEFAULTS.items():
        AlertJob.objects.get_or_create(code=code, defaults={"run_time": run_time, "roles": roles})


class Migration(migrations.Migration):
    dependencies = [("gsp_alerts", "0001_initial")]

    operations = [migrations.RunPython(create_jobs, migrations.RunPython.noop)]

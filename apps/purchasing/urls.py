"""URLs of the purchasing staff pages."""

app_name = "purchasing"

urlpatterns = []

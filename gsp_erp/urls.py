"""Root URL configuration: the staff UI per app, auth, language switch and the admin."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("", include("apps.core.urls")),
    path("catalog/", include("apps.catalog.urls")),
    path("suppliers/", include("apps.suppliers.urls")),
    path("customers/", include("apps.customers.urls")),
    path("inventory/", include("apps.inventory.urls")),
    path("purchasing/", include("apps.purchasing.urls")),
    path("sales/", include("apps.sales.urls")),
    path("pricing/", include("apps.pricing.urls")),
    path("gsp/", include("apps.gsp_records.urls")),
    path("gsp/storage/", include("apps.gsp_records.storage.urls")),
    path("gsp/quality/", include("apps.gsp_records.quality.urls")),
    path("gsp/alerts/", include("apps.gsp_records.alerts.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

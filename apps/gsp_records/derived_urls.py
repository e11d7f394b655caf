"""URLs of the records derived from transactions (purchase, acceptance, ...)."""

urlpatterns: list = []

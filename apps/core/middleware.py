"""Language selection: the company's language unless the user picked another one.

Django's LocaleMiddleware follows the browser's Accept-Language header, which would
show English to staff whose browser happens to be English. Here the language cookie
set by the switcher in the navigation bar wins, and otherwise LANGUAGE_CODE
(Simplified Chinese) applies.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class CompanyLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

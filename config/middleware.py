from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DefaultChineseLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user chose another language with the switch.

    The browser's Accept-Language is ignored on purpose: an officer whose phone is set to
    English still works in a Chinese station, and the forms must read as the station's forms.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Bahasa Indonesia unless the user chose English with the switch in the header.

    The browser's Accept-Language is ignored: office computers often run an English Windows
    whose users still work in Indonesian.
    """

    def process_request(self, request) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language


def private_pages(get_response):
    """Every page and download for a signed-in user says `Cache-Control: private, no-store`:
    on a shared office computer, neither the browser's cache nor its back button shows a
    family's NIK after sign-out, and no proxy keeps a copy."""

    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware

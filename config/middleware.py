from functools import lru_cache
from urllib.parse import urlsplit

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


def _tile_source(url: str) -> str | None:
    """The CSP source for a Leaflet tile URL template: its scheme and host, ``{s}`` as ``*``.

    ``https://{s}.tiles.example/{z}/{x}/{y}.png`` → ``https://*.tiles.example``; a relative URL
    needs nothing ('self' covers it).
    """
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1].replace("{s}", "*")
    return f"{parts.scheme}://{host}" if parts.scheme else host


def content_security_policy() -> str:
    """``settings.CONTENT_SECURITY_POLICY`` as a header value, the map tile server added to img-src.
    Built once per setting value (every response carries it)."""
    policy = settings.CONTENT_SECURITY_POLICY
    key = policy if isinstance(policy, str) else tuple((name, tuple(v)) for name, v in policy.items())
    return _policy_header(key, settings.MAP_TILE_URL)


@lru_cache(maxsize=8)
def _policy_header(policy, tile_url: str) -> str:
    if isinstance(policy, str):
        parsed = (directive.split() for directive in policy.split(";"))
        directives = {words[0]: words[1:] for words in parsed if words}
    else:
        directives = {name: list(sources) for name, sources in policy}
    tiles = _tile_source(tile_url) if tile_url else None
    if tiles and tiles not in directives.setdefault("img-src", ["'self'"]):
        directives["img-src"].append(tiles)
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sends ``settings.CONTENT_SECURITY_POLICY``: scripts only from our own files, never inline.

    A response that already carries a policy (a view that needs another one) keeps it. PDFs get
    none: Chrome's built-in viewer runs inside the PDF's own document, and a strict policy there
    leaves it blank. tests/security/test_csp.py fails on any inline script in a template.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and not response.get("Content-Type", "").startswith(
            "application/pdf"
        ):
            response["Content-Security-Policy"] = content_security_policy()
        return response

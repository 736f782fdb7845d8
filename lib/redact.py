"""Keep resident IDs and phone numbers out of error reports. No models.

Django's error report (the e-mail ``mail_admins`` sends for a 500, and the debug page) shows the
failed request's POST data and query string. Django hides only the parameters a view marks with
``sensitive_post_parameters``; :class:`PersonalDataReporterFilter` hides, for every view, the
parameters named like an identifier (``id_number``, ``t-0-phone``, ``password2``, ``code`` …) and
any value holding a run of seven or more digits — which covers an ID or phone typed into a
search box (``q``) or a field with another name; in ``META`` it hides a query string or referring
address carrying such a run. ``DEFAULT_EXCEPTION_REPORTER_FILTER`` names it. Django's report
lists ``request.GET`` itself, past any filter: a failed GET's query parameters still show there.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from django.views.debug import SafeExceptionReporterFilter

_PERSONAL_NAME = re.compile(r"(^|[-_])(id_number|phone|mobile|password\d?|code|username|token)$", re.I)
_DIGITS = re.compile(r"\d{7,}")


def _has_digit_run(value) -> bool:
    return bool(_DIGITS.search(re.sub(r"[\s\-]", "", unquote_plus(str(value)))))


def looks_personal(name: str, value) -> bool:
    """A parameter to hide: named like an identifier, or carrying 7+ digits (spaces, dashes ignored)."""
    return bool(_PERSONAL_NAME.search(name) or _has_digit_run(value))


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request):
        # Django's filter stands down while DEBUG is on; the demo runs with DEBUG on.
        return True

    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if not params:
            return params
        cleansed = params.copy()
        for name in cleansed:
            if any(looks_personal(name, v) for v in params.getlist(name)):
                cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        for key in ("QUERY_STRING", "HTTP_REFERER", "REQUEST_URI", "RAW_URI"):
            if key in meta and _has_digit_run(meta[key]):
                meta[key] = self.cleansed_substitute
        return meta

"""Scope matrix rows for operations: the audit page (chiefs and administrators only) and the
two-step verification pages (police staff only)."""

from django.urls import reverse

from accounts.models import AuditAction
from accounts.services import audit
from tests.scope import Route

AUDITORS = {"chief", "admin"}
STAFF = {"officer_a", "aux_a", "chief", "admin", "officer_b", "other_station_officer", "other_chief"}


def two_step(outcome):
    """Police staff's own two-step pages; everyone else 404 (nothing to set up)."""
    return lambda p: "login" if p == "anonymous" else (outcome if p in STAFF else "404")


def line(w):
    """A reveal by officer A (station 1): the station's chief and the administrator see it."""
    if not hasattr(w, "_audit_line"):
        w._audit_line = audit(w.users["officer_a"], AuditAction.REVEAL, w.person("甲一网格"), reason="矩阵核查")
    return w._audit_line.reason


def audit_page(p):
    if p == "anonymous":
        return "login"
    if p == "other_chief":
        return "hidden"
    return "ok" if p in AUDITORS else "404"


ROUTES = {
    "accounts:otp": Route(lambda w: reverse("accounts:otp"), two_step("ok")),
    "accounts:otp_setup": Route(lambda w: reverse("accounts:otp_setup"), two_step("ok")),
    "accounts:otp_verify": Route(lambda w: reverse("accounts:otp_verify"), two_step("redirect")),  # to set-up
    "ops:audit": Route(lambda w: reverse("ops:audit"), audit_page, line),
    "ops:audit_export": Route(
        lambda w: reverse("ops:audit_export"),
        lambda p: "login" if p == "anonymous" else ("ok" if p in AUDITORS | {"other_chief"} else "404"),
    ),
}

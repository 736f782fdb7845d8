"""Scope matrix rows for the Excel ledgers (/ledgers/)."""

from django.urls import reverse

from tests.scope import EDITOR_ROLES, Route, page_object


# The import page: everyone who keeps a registry (grid workers included); never volunteers,
# landlords or mediators.
def job(w):
    """An import officer_a started (only its creator may follow it)."""
    from django.core.files.base import ContentFile

    from residents.models import ImportJob

    if not hasattr(w, "_job"):
        w._job = ImportJob.objects.create(
            created_by=w.users["officer_a"], kind="houses", file=ContentFile(b"x", name="x.xlsx"), total=3
        )
    return w._job


ROUTES = {
    "ledgers:import": Route(lambda w: reverse("ledgers:import"), page_object(EDITOR_ROLES)),
    "ledgers:import_job": Route(lambda w: reverse("ledgers:import_job", args=[job(w).pk]), page_object({"officer_a"})),
    "ledgers:import_job_progress": Route(
        lambda w: reverse("ledgers:import_job_progress", args=[job(w).pk]), page_object({"officer_a"})
    ),
}

# The .xlsx downloads are binary: tests/test_scope_matrix.py reads bodies as text. Their own
# matrix (every persona; marker present, absent or 404) is in tests/residents/test_ledgers.py.
_XLSX = "tests/residents/test_ledgers.py::test_xlsx_route_answers_each_persona_as_its_scope_allows"
EXEMPT = {
    "ledgers:persons_export": _XLSX,
    "ledgers:houses_export": _XLSX,
    "ledgers:declarations_export": _XLSX,
    "ledgers:permits_export": _XLSX,
    "ledgers:persons_template": _XLSX,
    "ledgers:houses_template": _XLSX,
    "ledgers:tenants_template": _XLSX,
}

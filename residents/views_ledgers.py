"""Ledger pages: Excel exports of the registries and rental ledgers, import templates, the
import page. Thin: scope, masking, checks and writes live in ``residents.ledgers``."""

from django import forms
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.permissions import has_role, role_required
from documents import excel
from documents.excel import ExcelError
from residents import ledgers
from residents.models import ImportJob, JobStatus

SHOWN_ERRORS = 200  # a table of thousands of errors helps nobody: the first ones, and a count


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Filled-in template (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            excel.check_upload(upload)
        except ExcelError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


def _xlsx_response(content, filename: str):
    """An .xlsx download that no cache keeps (it may hold masked personal data)."""
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        response = FileResponse(content, as_attachment=True, filename=filename, content_type=excel.XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response


def _export_view(key: str):
    @require_GET
    @role_required(ledgers.LEDGERS[key].roles)
    def view(request):
        stream, filename = ledgers.ledger_export(request=request, ledger=key, params=request.GET)
        return _xlsx_response(stream, filename)

    view.__name__ = view.__qualname__ = f"{key}_export"
    return view


persons_export = _export_view("persons")
houses_export = _export_view("houses")
declarations_export = _export_view("declarations")
permits_export = _export_view("permits")


@require_GET
@role_required(ledgers.IMPORT_ROLES)
def persons_template(request):
    return _xlsx_response(ledgers.person_template(), "人口导入模板.xlsx")


@require_GET
@role_required(ledgers.IMPORT_ROLES)
def houses_template(request):
    return _xlsx_response(ledgers.house_template(), "房屋导入模板.xlsx")


@require_GET
def tenants_template(request):
    """For landlords declaring tenants (and staff helping them): any logged-in user."""
    return _xlsx_response(ledgers.tenant_template(), "租客登记模板.xlsx")


EXPORTS = [
    ("persons", gettext_lazy("Person registry"), "ledgers:persons_export", "people"),
    ("houses", gettext_lazy("House registry"), "ledgers:houses_export", "house-door"),
    ("declarations", gettext_lazy("Rental declarations"), "ledgers:declarations_export", "file-earmark-text"),
    ("permits", gettext_lazy("Residence permits"), "ledgers:permits_export", "person-vcard"),
]


@role_required(ledgers.IMPORT_ROLES)
def import_page(request):
    upload_forms = {kind: UploadForm(prefix=kind) for kind in ledgers.IMPORTERS}
    result = None
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in ledgers.IMPORTERS:
            raise Http404
        form = upload_forms[kind] = UploadForm(request.POST, request.FILES, prefix=kind)
        if form.is_valid():
            try:
                outcome = ledgers.import_job_start(user=request.user, kind=kind, file=form.cleaned_data["file"])
            except ExcelError as exc:
                form.add_error("file", str(exc))
            else:
                if isinstance(outcome, ImportJob):
                    return redirect("ledgers:import_job", pk=outcome.pk)
                result = outcome
    exports = [
        (label, reverse(url), icon)
        for key, label, url, icon in EXPORTS
        if has_role(request.user, ledgers.LEDGERS[key].roles)
    ]
    return render(
        request,
        "residents/ledger_import.html",
        {
            "forms": upload_forms,
            "result": result,
            "shown_errors": result.errors[:SHOWN_ERRORS] if result else [],
            "hidden_errors": max(0, len(result.errors) - SHOWN_ERRORS) if result else 0,
            "exports": exports,
            "max_rows": f"{excel.MAX_ROWS:,}",
        },
    )


def _job_context(request, pk) -> dict:
    job = get_object_or_404(ImportJob, pk=pk, created_by=request.user)  # only its creator sees an import
    context = {"job": job, "finished": job.status in (JobStatus.DONE, JobStatus.FAILED)}
    if context["finished"]:
        result = ledgers.result_from_json(job.result)
        context |= {
            "result": result,
            "shown_errors": result.errors[:SHOWN_ERRORS],
            "hidden_errors": max(0, len(result.errors) - SHOWN_ERRORS),
        }
    else:
        done, total = ledgers.import_job_progress(job)
        context |= {"done": done, "total": total, "percent": int(100 * done / total) if total else 0}
    return context


@role_required(ledgers.IMPORT_ROLES)
def import_job(request, pk):
    """The import's page: a progress bar that polls until the rows are saved, then the result."""
    return render(request, "residents/ledger_job.html", _job_context(request, pk))


@role_required(ledgers.IMPORT_ROLES)
def import_job_progress(request, pk):
    return render(request, "residents/_ledger_job_progress.html", _job_context(request, pk))

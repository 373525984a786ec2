"""Back-office pages for stock sync: CSV imports with progress and report, the template, API keys
(the exports: sellers.export_views)."""
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.storage import private_file_response

from .access import seller_api_keys, seller_permission_check, seller_required
from .api_auth import api_key_create, api_key_revoke
from .exports import template_lines
from .models import ApiKey, StockImport
from .permissions import Perm, Scope
from .stock_sync import COLUMNS, MAX_FILE_BYTES, decode_upload, stock_import_create
from .stock_sync.failed_rows import XLSX_TYPE, failed_rows_file

REPORT_ROWS_ON_PAGE = 200
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": gettext_lazy("UTF-8 with BOM"), "utf-16": "UTF-16",
                   "cp1252": gettext_lazy("Windows Latin-1 (CP1252)")}
WORKBOOK_LABELS = {"xlsx": gettext_lazy("an Excel workbook (.xlsx)"),
                   "ods": gettext_lazy("an OpenDocument spreadsheet (.ods)"),
                   "xls": gettext_lazy("an old Excel workbook (.xls)")}
WORKBOOK_TYPES = {"xlsx": XLSX_TYPE, "ods": "application/vnd.oasis.opendocument.spreadsheet",
                  "xls": "application/vnd.ms-excel"}


class StockImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV, XLSX or ODS file"),
        help_text=gettext_lazy("CSV (UTF-8, UTF-16 or Windows Latin-1; comma, semicolon or tab separated), "
                               "an Excel workbook (.xlsx, or an old .xls) or an OpenDocument spreadsheet "
                               "(.ods, as LibreOffice saves it), at most %(max)s MB.")
        % {"max": MAX_FILE_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.xls,.ods,text/csv"}),
    )
    sheet = forms.CharField(
        label=gettext_lazy("Sheet (spreadsheets only)"), required=False, max_length=100,
        help_text=gettext_lazy("Leave empty to read the first sheet."))


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Key name"), max_length=100,
                           help_text=gettext_lazy("The system that will use it, e.g. “Warehouse ERP”."))
    # Every key reads (Scope.READ); the writes are the choice.
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Besides reading your listings and orders, the key may"),
        choices=[(scope.value, scope.label) for scope in Scope if scope != Scope.READ],
        widget=forms.CheckboxSelectMultiple, required=False,
        help_text=gettext_lazy("Give it the writes its system needs and no more."))


def _csv_response(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@seller_required(permission=Perm.LISTINGS_WRITE)
@require_http_methods(["GET", "POST"])
def stock_imports(request):
    form = StockImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            stock_import = stock_import_create(seller=request.seller, uploaded_by=request.user,
                                               name=upload.name, data=decode_upload(upload),
                                               sheet=form.cleaned_data["sheet"].strip())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("sellers:stock_import", pk=stock_import.pk)
    imports = StockImport.objects.filter(seller=request.seller).only(
        "pk", "original_name", "file", "status", "created_at", "total_rows", "processed_rows",
        "created_count", "updated_count", "unchanged_count", "failed_count")[:10]
    return render(request, "sellers/stock/imports.html", {
        "section": "stock", "form": form, "imports": imports, "columns": COLUMNS,
    })


def _seller_import(request, pk) -> StockImport:
    """The seller's own import (404 for another's), for a member who may work on stock (403)."""
    stock_import = get_object_or_404(StockImport, pk=pk, seller=request.seller)
    seller_permission_check(request, Perm.LISTINGS_WRITE)
    return stock_import


def _progress_context(stock_import: StockImport) -> dict:
    finished = stock_import.status in (StockImport.Status.DONE, StockImport.Status.FAILED)
    total = stock_import.total_rows or 0
    percent = 100 if finished else (stock_import.processed_rows * 100 // total if total else 0)
    return {"stock_import": stock_import, "finished": finished, "percent": percent,
            "encoding_label": ENCODING_LABELS.get(stock_import.encoding, stock_import.encoding),
            "workbook_label": WORKBOOK_LABELS.get(stock_import.encoding),
            "report": stock_import.errors[:REPORT_ROWS_ON_PAGE] if finished else [],
            "report_truncated": finished and len(stock_import.errors) > REPORT_ROWS_ON_PAGE}


@seller_required
@require_GET
def stock_import_detail(request, pk):
    stock_import = _seller_import(request, pk)
    return render(request, "sellers/stock/import_detail.html",
                  {"section": "stock", **_progress_context(stock_import)})


@never_cache
@seller_required
@require_GET
def stock_import_progress(request, pk):
    """The progress block alone, polled by htmx until the import is done."""
    stock_import = _seller_import(request, pk)
    return render(request, "sellers/stock/_progress.html", _progress_context(stock_import))


@seller_required
@require_GET
def stock_import_errors(request, pk):
    """The failed rows as uploaded, with `line` and `reason`, in the upload's format and encoding."""
    stock_import = _seller_import(request, pk)
    content, content_type, filename = failed_rows_file(stock_import=stock_import)
    return _file_response(content, content_type, filename)


def _file_response(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@seller_required
@require_GET
def stock_import_file(request, pk):
    """The CSV file as the seller uploaded it, from the private storage, to that seller only."""
    stock_import = _seller_import(request, pk)  # another seller's import: a 404, before any file
    filename = "".join(c for c in stock_import.original_name if c.isprintable()) or f"import-{pk}.csv"
    charset = {"utf-16": "utf-16", "cp1252": "windows-1252"}.get(stock_import.encoding, "utf-8")
    content_type = WORKBOOK_TYPES.get(stock_import.encoding, f"text/csv; charset={charset}")
    return private_file_response(stock_import.file, filename=filename, content_type=content_type)


@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def stock_template(request):
    return _csv_response(template_lines(), "listings-template.csv")


@never_cache
@seller_required(permission=Perm.API_KEYS_OWN)
@require_http_methods(["GET", "POST"])
def api_keys(request):
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            created, new_key = api_key_create(seller=request.seller, name=form.cleaned_data["name"],
                                              scopes=form.cleaned_data["scopes"], created_by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiKeyForm()
    keys = seller_api_keys(request).select_related("created_by").only(
        "pk", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at", "created_by__email")
    # The new key is rendered in this response only; it is not stored anywhere it could be re-read.
    return render(request, "sellers/stock/api_keys.html", {
        "section": "api", "form": form, "keys": keys, "new_key": new_key,
        "new_key_scopes": created.get_scopes_display() if new_key else [],
        "sees_all": Perm.API_KEYS_ALL in request.seller_perms,
    })


@seller_required
@require_POST
def api_key_revoke_view(request, pk):
    seller_key = get_object_or_404(ApiKey, pk=pk, seller=request.seller)  # another seller's: 404
    seller_permission_check(request, Perm.API_KEYS_OWN)
    # A manager's list holds only the keys they made: another member's key is not theirs to find.
    api_key = get_object_or_404(seller_api_keys(request), pk=seller_key.pk)
    api_key_revoke(api_key=api_key, actor=request.seller_member)
    messages.success(request, _("The key “%(name)s” is revoked; calls with it are refused.")
                     % {"name": api_key.name})
    return redirect("sellers:api_keys")

"""Back-office pages of the stock export: ask for the file of a filter, follow its progress, download it.

Thin over sellers.listing_exports: a small export downloads in the answer, a larger one is a
ListingExport built by a worker, whose page polls its progress (htmx) and then links its file, served
from the private storage to its seller only (another seller's export is a 404)."""
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from marketplace.storage import private_file_response

from .access import seller_required
from .forms import ListingFilterForm
from .listing_exports import (
    CONTENT_TYPES,
    export_bytes_small,
    export_count,
    export_filters,
    listing_export_request,
)
from .models_export import ListingExport
from .permissions import Perm

EXPORTS_ON_PAGE = 20
_FILTER_NAMES = ("q", "grade", "status", "stock", "buy_box", "losing_within_percent")


class ListingExportForm(ListingFilterForm):
    """The list's filter (its sort aside: the file is in SKU order), the whole stock too, and a format."""

    file_format = forms.ChoiceField(label=gettext_lazy("Format"), choices=ListingExport.Format.choices,
                                    initial=ListingExport.Format.CSV)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [*self.fields["status"].choices,
                                         ("all", gettext_lazy("All, archived ones too"))]
        del self.fields["sort"]


def filters_in_words(filters: dict) -> list[tuple[str, str]]:
    """(label, value) of each part of a stored filter, as the list's filter form names them."""
    form = ListingExportForm()
    words = []
    for name in _FILTER_NAMES:
        value = filters.get(name)
        if not value:
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", ()))
        words.append((str(field.label), str(choices.get(value, value))))
    return words


def _download_name(export: ListingExport) -> str:
    return f"listings-{timezone.localtime(export.created_at):%Y%m%d-%H%M}.{export.file_format}"


def _small_file(seller, filters: dict, rows: int, file_format: str):
    body = export_bytes_small(seller=seller, filters=filters, expected_rows=rows, file_format=file_format)
    # CSV streams line by line; a workbook is whole before its first byte (a zip's directory is last).
    answer = StreamingHttpResponse if file_format == ListingExport.Format.CSV else HttpResponse
    response = answer(body, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="listings.{file_format}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _exports_page(request, form, *, status=200):
    exports = ListingExport.objects.filter(seller=request.seller).only(
        "pk", "status", "file_format", "filters", "total_rows", "done_rows", "created_at", "finished_at",
        "expires_at")[:EXPORTS_ON_PAGE]
    return render(request, "sellers/stock/exports.html", {
        "section": "listings", "form": form, "now": timezone.now(),
        "exports": [(export, filters_in_words(export.filters)) for export in exports],
        "stream_max_rows": settings.LISTING_EXPORT_STREAM_MAX_ROWS,
    }, status=status)


@never_cache
@seller_required(permission=Perm.LISTINGS_READ)
@require_http_methods(["GET", "POST"])
def listing_exports(request):
    """GET: the seller's recent exports and a form. POST (a filter and a format): the file at once when
    small, else the background export of that filter (the one already running, on a double click)."""
    if request.method == "GET":
        return _exports_page(request, ListingExportForm(initial={"status": "all", **request.GET.dict()}))
    form = ListingExportForm(request.POST)
    if not form.is_valid():
        return _exports_page(request, form, status=400)
    file_format = form.cleaned_data.pop("file_format")
    filters = export_filters(form.cleaned_data)
    rows = export_count(seller=request.seller, filters=filters)
    if rows <= settings.LISTING_EXPORT_STREAM_MAX_ROWS:
        return _small_file(request.seller, filters, rows, file_format)
    export, new = listing_export_request(seller=request.seller, user=request.user, filters=filters,
                                         file_format=file_format, total_rows=rows)
    if not new:
        messages.info(request, _("This export was already asked for: here it is."))
    return redirect("sellers:listing_export", pk=export.pk)


@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def stock_export_all(request, file_format: str):
    """The whole stock (archived listings too) or the filter in the query, as before: the file at once
    when small; a larger one is asked for on the exports page (a GET starts no work)."""
    form = ListingExportForm({"status": "all", **request.GET.dict(), "file_format": file_format})
    if not form.is_valid():
        return _exports_page(request, form, status=400)
    form.cleaned_data.pop("file_format")
    filters = export_filters(form.cleaned_data)
    rows = export_count(seller=request.seller, filters=filters)
    if rows <= settings.LISTING_EXPORT_STREAM_MAX_ROWS:
        return _small_file(request.seller, filters, rows, file_format)
    messages.info(request, _("%(rows)s listings make a large file: it is built in the background. "
                             "Choose “Build the file” to start it.")
                  % {"rows": number_format(rows, force_grouping=True)})
    query = urlencode({**filters, "file_format": file_format})
    return redirect(f"{reverse('sellers:listing_exports')}?{query}")


def _seller_export(request, pk) -> ListingExport:
    return get_object_or_404(ListingExport, pk=pk, seller=request.seller)  # another seller's: a 404


def _progress_context(export: ListingExport) -> dict:
    return {"export": export, "filters": filters_in_words(export.filters), "now": timezone.now()}


@never_cache
@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def listing_export(request, pk):
    export = _seller_export(request, pk)
    return render(request, "sellers/stock/export_detail.html",
                  {"section": "listings", **_progress_context(export)})


@never_cache
@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def listing_export_progress(request, pk):
    """The progress block alone, polled by htmx until the file is built."""
    export = _seller_export(request, pk)
    return render(request, "sellers/stock/_export_progress.html", _progress_context(export))


@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def listing_export_download(request, pk):
    """The built file, after the ownership check: from the filesystem, or a signed URL of a few minutes
    to the private bucket. Not built yet, failed or expired: a 404."""
    export = _seller_export(request, pk)
    if export.status != ListingExport.Status.DONE or export.expires_at <= timezone.now():
        raise Http404
    return private_file_response(export.file, filename=_download_name(export),
                                 content_type=CONTENT_TYPES[export.file_format])

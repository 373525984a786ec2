"""Back-office pages of the stock ledger: a listing's stock history and the movements export."""
from datetime import date, datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from .access import seller_listing_get, seller_required
from .exports import movements_export_lines
from .ledger.selectors import listing_movements, seller_movements
from .permissions import Perm

MOVEMENTS_PER_PAGE = 50
EXPORT_MAX_DAYS = 366


class MovementsRangeForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To (included)"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        end = cleaned.get("end") or timezone.localdate()
        start = cleaned.get("start") or end - timedelta(days=30)
        if start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        if (end - start).days > EXPORT_MAX_DAYS:
            raise forms.ValidationError(_("Export at most %(days)s days at once.")
                                        % {"days": EXPORT_MAX_DAYS})
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def listing_stock_history(request, pk):
    """Why the stock is what it is: every movement of the listing, newest first."""
    listing = seller_listing_get(seller=request.seller, pk=pk)
    page = Paginator(listing_movements(listing=listing), MOVEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sellers/stock_history.html", {
        "section": "listings", "listing": listing, "page": page, "movements": page.object_list,
        "range_form": MovementsRangeForm()})


@seller_required(permission=Perm.LISTINGS_READ)
@require_GET
def stock_movements_export(request):
    """The seller's stock movements for a date range (30 days by default), as CSV."""
    form = MovementsRangeForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(message for messages in form.errors.values()
                                               for message in messages), content_type="text/plain")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    movements = seller_movements(seller=request.seller, since=_midnight(start),
                                 until=_midnight(end + timedelta(days=1)))
    response = StreamingHttpResponse(movements_export_lines(movements=movements),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stock-movements-{start}-{end}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response

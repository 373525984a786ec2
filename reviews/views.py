"""Review pages: a shopper rates a delivered order, the public seller page, the seller's replies."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.forms import form_add_service_errors
from sellers import quality
from sellers.access import seller_required
from sellers.permissions import Perm

from . import selectors, services
from .forms import ReplyForm, ReviewForm
from .models import Review


@login_required
def review_write(request, seller_order_id: int):
    """Write the review of one delivered seller order, or change it within 7 days."""
    seller_order = selectors.shopper_seller_order_get(user=request.user, pk=seller_order_id)
    review = Review.objects.filter(seller_order=seller_order).first()
    if review is not None:
        editable = services.review_can_edit(review=review, user=request.user)
    else:
        editable = services.review_can_write(seller_order=seller_order, user=request.user)
    initial = {"stars": review.stars, "comment": review.comment} if review else None
    form = ReviewForm(request.POST if request.method == "POST" and editable else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            if review is None:
                services.review_create(seller_order=seller_order, user=request.user, **form.cleaned_data)
            else:
                services.review_edit(review=review, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you: your review is published."))
            return redirect("orders:order_detail", seller_order.order.number)
    status = 400 if form.is_bound else 200
    return render(request, "reviews/review_form.html", {
        "seller_order": seller_order, "order": seller_order.order, "review": review, "form": form,
        "editable": editable, "section": "orders"}, status=status)


def seller_page(request, slug: str):
    page = selectors.seller_public_page(slug=slug)
    return render(request, "reviews/seller_page.html", {
        "page": page, "seller": page.seller, "band": quality.score_band(page.seller.quality_score),
        "shows_rating": quality.shows_rating(page.seller.rating_count),
    })


@seller_required
def seller_review_list(request):
    reviews = list(selectors.seller_reviews(seller=request.seller)[:100])
    return render(request, "reviews/seller_reviews.html", {
        "section": "reviews", "reviews": reviews, "reply_form": ReplyForm()})


@require_POST
@seller_required(permission=Perm.RETURNS_WRITE)  # a public answer speaks for the company
def seller_review_reply(request, pk: int):
    review = selectors.seller_review_get(seller=request.seller, pk=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.review_reply(review=review, seller=request.seller, text=form.cleaned_data["reply"],
                                  actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except Review.DoesNotExist:
            raise Http404 from None
        else:
            messages.success(request, _("Your reply is published."))
    else:
        messages.error(request, _("Write your reply."))
    return redirect("reviews:seller_review_list")

"""The seller back office."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


@login_required
def dashboard(request):
    membership = getattr(request.user, "seller_membership", None)
    if membership is None:
        return redirect("sellers:apply")
    return render(request, "sellers/dashboard.html", {"seller": membership.seller})


@login_required
def apply(request):
    return render(request, "sellers/apply.html")


@login_required
def status(request):
    return render(request, "sellers/apply.html")

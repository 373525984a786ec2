"""Shopper pages: the cart and the account area."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import AddressForm, ProfileForm
from .models import Address


def cart(request):
    return render(request, "orders/cart.html")


@require_POST
def cart_add(request):
    messages.info(request, _("The cart opens soon."))
    return redirect("orders:cart")


@login_required
def account(request):
    addresses = Address.objects.filter(user=request.user)[:3]
    return render(request, "orders/account/home.html", {"addresses": addresses, "section": "home"})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("orders:profile")
    return render(request, "orders/account/profile.html", {"form": form, "section": "profile"})


def _user_address(request, pk: int) -> Address:
    """The signed-in user's address, or 404: another shopper's address does not exist for them."""
    return get_object_or_404(Address, pk=pk, user=request.user)


@login_required
def address_list(request):
    addresses = Address.objects.filter(user=request.user)
    return render(request, "orders/account/address_list.html",
                  {"addresses": addresses, "section": "addresses"})


@login_required
def address_create(request):
    return _address_form(request, Address(user=request.user))


@login_required
def address_update(request, pk):
    return _address_form(request, _user_address(request, pk))


def _address_form(request, address: Address):
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        services.address_save(address=form.save(commit=False))
        messages.success(request, _("Address saved."))
        return redirect("orders:address_list")
    return render(request, "orders/account/address_form.html",
                  {"form": form, "address": address, "section": "addresses"})


@login_required
@require_POST
def address_delete(request, pk):
    services.address_delete(address=_user_address(request, pk))
    messages.success(request, _("Address deleted."))
    return redirect("orders:address_list")

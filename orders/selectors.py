"""Reads about carts and orders: the cart grouped by seller, with totals re-read from the listings."""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.http import Http404

from sellers.models import Listing, Seller

from .models import Cart, CartLine, Order, OrderLine, SellerOrder

EXPRESS_SURCHARGE = Decimal("9.90")  # per seller order: each seller ships its own parcel
ZERO = Decimal("0.00")


def cart_item_count(*, request) -> int:
    """Units in the visitor's cart, in one query (none for a visitor without a cart)."""
    if request.user.is_authenticated:
        lines = CartLine.objects.filter(cart__user=request.user)
    elif request.session.get("cart_id"):
        lines = CartLine.objects.filter(cart_id=request.session["cart_id"], cart__user__isnull=True)
    else:
        return 0
    return lines.aggregate(n=Sum("quantity"))["n"] or 0


def cart_for_request(*, request) -> Cart | None:
    """The visitor's cart if it has one: the user's, or the anonymous session's."""
    if request.user.is_authenticated:
        return Cart.objects.filter(user=request.user).first()
    cart_id = request.session.get("cart_id")
    if cart_id:
        return Cart.objects.filter(pk=cart_id, user__isnull=True).first()
    return None


def shipping_fee_for(*, seller: Seller, shipping_method: str) -> Decimal:
    fee = seller.shipping_fee
    if shipping_method == Order.ShippingMethod.EXPRESS:
        fee += EXPRESS_SURCHARGE
    return fee


@dataclass
class CartLineView:
    line: CartLine
    listing: Listing
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    price_changed: bool
    previous_price: Decimal
    available: int
    problem: str = ""  # "unavailable" (cannot be bought at all) or "short" (fewer left)

    @property
    def can_checkout(self) -> bool:
        return not self.problem


@dataclass
class SellerGroup:
    seller: Seller
    lines: list[CartLineView] = field(default_factory=list)
    subtotal: Decimal = ZERO
    shipping_fee: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_fee


@dataclass
class CartSummary:
    cart: Cart | None
    groups: list[SellerGroup]
    shipping_method: str

    @property
    def lines(self) -> list[CartLineView]:
        return [line for group in self.groups for line in group.lines]

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return sum((g.subtotal for g in self.groups), ZERO)

    @property
    def shipping_total(self) -> Decimal:
        return sum((g.shipping_fee for g in self.groups), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_total

    @property
    def problems(self) -> list[CartLineView]:
        return [line for line in self.lines if line.problem]

    @property
    def can_checkout(self) -> bool:
        return not self.is_empty and not self.problems


def _listing_is_buyable(listing: Listing) -> bool:
    return (listing.is_active and listing.archived_at is None
            and listing.seller.status == Seller.Status.APPROVED and listing.available > 0)


def cart_summary(*, cart: Cart | None,
                 shipping_method: str = Order.ShippingMethod.STANDARD) -> CartSummary:
    """The cart grouped by seller with each seller's shipping fee, in one query.

    Prices come from the listings as they are now; a price changed since the line was added
    and a line that can no longer be bought (or not in that quantity) are flagged.
    """
    if cart is None:
        return CartSummary(cart=None, groups=[], shipping_method=shipping_method)
    lines = (
        CartLine.objects.filter(cart=cart)
        .select_related("listing__seller", "listing__product__model")
        .order_by("listing__seller__name", "listing__seller_id", "created_at", "pk")
    )
    groups: dict[int, SellerGroup] = {}
    for line in lines:
        listing = line.listing
        group = groups.setdefault(listing.seller_id, SellerGroup(seller=listing.seller))
        problem = ""
        if not _listing_is_buyable(listing):
            problem = "unavailable"
        elif line.quantity > listing.available:
            problem = "short"
        view = CartLineView(
            line=line, listing=listing, quantity=line.quantity, unit_price=listing.price,
            line_total=listing.price * line.quantity,
            price_changed=listing.price != line.price_when_added,
            previous_price=line.price_when_added, available=max(listing.available, 0),
            problem=problem,
        )
        group.lines.append(view)
        group.subtotal += view.line_total
    for group in groups.values():
        group.shipping_fee = shipping_fee_for(seller=group.seller, shipping_method=shipping_method)
    return CartSummary(cart=cart, groups=list(groups.values()), shipping_method=shipping_method)


def order_for_visitor(*, request, number: str) -> Order:
    """The order if this visitor placed it (their account, or this browser for a guest), else 404."""
    order = (
        Order.objects.filter(number=number)
        .prefetch_related(
            Prefetch("seller_orders", queryset=SellerOrder.objects.select_related("seller")
                     .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))
                     .order_by("seller__name")),
            "payments",
        )
        .first()
    )
    if order is None:
        raise Http404
    if order.user_id is not None:
        if request.user.is_authenticated and request.user.pk == order.user_id:
            return order
        raise Http404
    if number in request.session.get("guest_orders", []):
        return order
    raise Http404


def orders_for_user(*, user):
    """A shopper's orders, newest first, with their seller orders (two queries)."""
    return (
        Order.objects.filter(user=user)
        .prefetch_related(Prefetch("seller_orders",
                                   queryset=SellerOrder.objects.select_related("seller")))
        .order_by("-created_at")
    )
